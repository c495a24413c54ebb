// SPDX-License-Identifier: MIT
/*
 * One object of every structure of the UAPI and hardware headers, compiled
 * with -g so that check_padding.sh can run pahole on it. check_padding.sh
 * fails if a structure defined in those headers is missing here.
 */
#include <drm/tern_accel.h>
#include <tern/hw/tern_desc.h>
#include <tern/hw/tern_emu.h>
#include <tern/hw/tern_isa.h>
#include <tern/hw/tern_mmu.h>
#include <tern/hw/tern_regs.h>

/* UAPI: include/uapi/drm/tern_accel.h */
struct drm_tern_param tern_pahole_param;
struct drm_tern_get_info tern_pahole_get_info;
struct drm_tern_telemetry tern_pahole_telemetry;
struct drm_tern_partition tern_pahole_partition;
struct drm_tern_partition_table tern_pahole_partition_table;
struct drm_tern_bo_create tern_pahole_bo_create;
struct drm_tern_bo_info tern_pahole_bo_info;
struct drm_tern_ctx_create tern_pahole_ctx_create;
struct drm_tern_ctx_destroy tern_pahole_ctx_destroy;
struct drm_tern_cmd_dma tern_pahole_cmd_dma;
struct drm_tern_cmd_exec tern_pahole_cmd_exec;
struct drm_tern_cmd_timestamp tern_pahole_cmd_timestamp;
struct drm_tern_cmd tern_pahole_cmd;
struct drm_tern_fence tern_pahole_fence;
struct drm_tern_submit tern_pahole_submit;
struct drm_tern_ctx_query tern_pahole_ctx_query;
struct drm_tern_partition_set tern_pahole_partition_set;

/* Hardware: include/tern/hw/ */
struct tern_desc_hdr tern_pahole_desc_hdr;
struct tern_desc_dma tern_pahole_desc_dma;
struct tern_desc_exec tern_pahole_desc_exec;
struct tern_desc_sem tern_pahole_desc_sem;
struct tern_desc_ts tern_pahole_desc_ts;
union tern_desc tern_pahole_desc;
struct tern_isa_header tern_pahole_isa_header;
struct tern_isa_tensor tern_pahole_isa_tensor;
struct tern_isa_op tern_pahole_isa_op;
struct tern_isa_binding tern_pahole_isa_binding;
