#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# probe.sh - configure step of tern.ko
#
# Usage: probe.sh KDIR OUTPUT [CC]
#
# Compiles one small snippet per kernel API variant against the kernel
# build tree KDIR (with that kernel's own compiler and flags, -Werror) and
# writes OUTPUT, a header of TERN_HAVE_* macros that Kbuild force-includes.
# A macro is defined iff its snippet compiled. Feature probes, not version
# numbers: distribution kernels backport API changes (Debian's 6.1 has the
# 6.15 drm_sched_init() argument structure, for instance).
set -eu

if [ $# -lt 2 ]; then
	echo "usage: $0 KDIR OUTPUT [CC]" >&2
	exit 2
fi
kdir=$(cd "$1" && pwd)
out=$2
cc=${3:-}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tern-probe.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

names=

# probe NAME: the snippet comes on stdin
probe() {
	cat > "$tmp/$1.c"
	names="$names $1"
}

# Must always compile; if it does not, the probe setup itself is broken.
probe SANITY <<'P'
#include <linux/module.h>
int tern_probe(void);
int tern_probe(void)
{
	return 0;
}
P

probe DRM_ACCEL <<'P'
#include <drm/drm_accel.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#if !IS_ENABLED(CONFIG_DRM_ACCEL)
#error "CONFIG_DRM_ACCEL is off"
#endif
DEFINE_DRM_ACCEL_FOPS(tern_probe_fops);
const void *tern_probe(void);
const void *tern_probe(void)
{
	return DRIVER_COMPUTE_ACCEL ? &tern_probe_fops : NULL;
}
P

probe SCHED_INIT_ARGS <<'P'
#include <drm/gpu_scheduler.h>
int tern_probe(struct drm_gpu_scheduler *s);
int tern_probe(struct drm_gpu_scheduler *s)
{
	const struct drm_sched_init_args args = { .credit_limit = 1 };

	return drm_sched_init(s, &args);
}
P

probe SCHED_INIT_ARGS_NUM_RQS <<'P'
#include <drm/gpu_scheduler.h>
int tern_probe(struct drm_gpu_scheduler *s);
int tern_probe(struct drm_gpu_scheduler *s)
{
	const struct drm_sched_init_args args = { .num_rqs = 1 };

	return drm_sched_init(s, &args);
}
P

probe SCHED_INIT_SUBMIT_WQ <<'P'
#include <drm/gpu_scheduler.h>
int tern_probe(struct drm_gpu_scheduler *s);
int tern_probe(struct drm_gpu_scheduler *s)
{
	return drm_sched_init(s, NULL, NULL, 1, 1, 0, 1, NULL, NULL, "p", NULL);
}
P

probe SCHED_INIT_NUM_RQS <<'P'
#include <drm/gpu_scheduler.h>
int tern_probe(struct drm_gpu_scheduler *s);
int tern_probe(struct drm_gpu_scheduler *s)
{
	return drm_sched_init(s, NULL, 1, 1, 0, 1, NULL, NULL, "p", NULL);
}
P

probe SCHED_INIT_LEGACY <<'P'
#include <drm/gpu_scheduler.h>
int tern_probe(struct drm_gpu_scheduler *s);
int tern_probe(struct drm_gpu_scheduler *s)
{
	return drm_sched_init(s, NULL, 1, 0, 1, NULL, NULL, "p", NULL);
}
P

probe SCHED_JOB_INIT_CREDITS <<'P'
#include <drm/gpu_scheduler.h>
int tern_probe(struct drm_sched_job *j, struct drm_sched_entity *e);
int tern_probe(struct drm_sched_job *j, struct drm_sched_entity *e)
{
	return drm_sched_job_init(j, e, 1, NULL);
}
P

probe SCHED_JOB_INIT_CLIENT_ID <<'P'
#include <drm/gpu_scheduler.h>
int tern_probe(struct drm_sched_job *j, struct drm_sched_entity *e);
int tern_probe(struct drm_sched_job *j, struct drm_sched_entity *e)
{
	return drm_sched_job_init(j, e, 1, NULL, 0);
}
P

probe SCHED_START_FULL_RECOVERY <<'P'
#include <drm/gpu_scheduler.h>
void (*tern_probe)(struct drm_gpu_scheduler *s, bool full_recovery);
void (*tern_probe)(struct drm_gpu_scheduler *s, bool full_recovery) =
	drm_sched_start;
P

probe SCHED_START_ERRNO <<'P'
#include <drm/gpu_scheduler.h>
void (*tern_probe)(struct drm_gpu_scheduler *s, int errno);
void (*tern_probe)(struct drm_gpu_scheduler *s, int errno) = drm_sched_start;
P

probe GPU_SCHED_STAT_NOMINAL <<'P'
#include <drm/gpu_scheduler.h>
int tern_probe(void);
int tern_probe(void)
{
	return DRM_GPU_SCHED_STAT_NOMINAL;
}
P

probe VM_FLAGS_SET <<'P'
#include <linux/mm.h>
void tern_probe(struct vm_area_struct *vma);
void tern_probe(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_IO);
}
P

probe FOP_UNSIGNED_OFFSET <<'P'
#include <linux/fs.h>
const struct file_operations tern_probe = { .fop_flags = FOP_UNSIGNED_OFFSET };
P

probe DRM_SHOW_FDINFO <<'P'
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
const struct drm_driver tern_probe = { .show_fdinfo = NULL };
void (*tern_probe_fn)(struct seq_file *m, struct file *f);
void (*tern_probe_fn)(struct seq_file *m, struct file *f) = drm_show_fdinfo;
P

probe DRM_FILE_CLIENT_ID <<'P'
#include <drm/drm_file.h>
u64 tern_probe(struct drm_file *f);
u64 tern_probe(struct drm_file *f)
{
	return f->client_id;
}
P

# drm_file.pid became RCU-protected, with drm_file_update_pid() (6.7).
probe DRM_FILE_UPDATE_PID <<'P'
#include <drm/drm_file.h>
void (*tern_probe_fn)(struct drm_file *f);
void (*tern_probe_fn)(struct drm_file *f) = drm_file_update_pid;
P

probe DRM_DRIVER_DATE <<'P'
#include <drm/drm_drv.h>
const struct drm_driver tern_probe = { .date = "20250101" };
P

probe MODULE_IMPORT_NS_IDENT <<'P'
#include <linux/module.h>
MODULE_IMPORT_NS(TERN_PROBE_NS);
P

probe MODULE_IMPORT_NS_STRING_ONLY <<'P'
#include <linux/module.h>
#include <linux/stringify.h>
/* The string form does not stringify its argument again. */
_Static_assert(sizeof(__stringify(MODULE_IMPORT_NS("N"))) > 1, "");
MODULE_IMPORT_NS("TERN_PROBE_NS");
P

objs=
for n in $names; do
	objs="$objs $n.o"
done
{
	echo "obj-m := $objs"
	echo "ccflags-y := -Werror"
} > "$tmp/Kbuild"

# The target kernel's compiler, as the caller's kbuild resolved it.
set --
cc=$(echo "$cc" | sed 's/^ *//; s/ *$//')
if [ -n "$cc" ]; then
	set -- "CC=$cc"
fi

# A clean environment: this may run from inside another kbuild, whose
# exported variables (sub_make_done, KBUILD_EXTMOD, MAKEFLAGS) would
# redirect this build.
env -i PATH="$PATH" HOME="${HOME:-/}" \
	make -C "$kdir" M="$tmp" -k -j"${TERN_PROBE_JOBS:-2}" "$@" $objs \
	> "$tmp/probe.log" 2>&1 || true

if [ ! -f "$tmp/SANITY.o" ]; then
	cat "$tmp/probe.log" >&2
	echo "probe.sh: cannot compile against $kdir" >&2
	exit 1
fi

mkdir -p "$(dirname "$out")"
{
	echo "/* SPDX-License-Identifier: GPL-2.0-only */"
	echo "/* Generated by kernel/scripts/probe.sh for $kdir; do not edit. */"
	echo "#ifndef TERN_CONFIG_H"
	echo "#define TERN_CONFIG_H"
	for n in $names; do
		[ "$n" = SANITY ] && continue
		if [ -f "$tmp/$n.o" ]; then
			echo "#define TERN_HAVE_$n 1"
		else
			echo "/* #undef TERN_HAVE_$n */"
		fi
	done
	echo "#endif /* TERN_CONFIG_H */"
} > "$out.tmp"

# The import-namespace probe is special: the identifier form compiling
# means the old macro; the string-only form means 6.13 and later.
if grep -q "define TERN_HAVE_MODULE_IMPORT_NS_IDENT" "$out.tmp"; then
	sed -i 's|^#define TERN_HAVE_MODULE_IMPORT_NS_STRING_ONLY 1|/* #undef TERN_HAVE_MODULE_IMPORT_NS_STRING_ONLY */|' "$out.tmp"
fi

if [ -n "${TERN_PROBE_VERBOSE:-}" ]; then
	cat "$tmp/probe.log" >&2
fi
mv "$out.tmp" "$out"
