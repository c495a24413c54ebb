/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM tern

#if !defined(__TERN_TRACE_H__) || defined(TRACE_HEADER_MULTI_READ)
#define __TERN_TRACE_H__

#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/types.h>

TRACE_EVENT(tern_job_submit,
	    TP_PROTO(u32 queue, u32 ctx, u64 seqno, u32 ncmds, u32 ndeps),
	    TP_ARGS(queue, ctx, seqno, ncmds, ndeps),
	    TP_STRUCT__entry(__field(u32, queue)
			     __field(u32, ctx)
			     __field(u64, seqno)
			     __field(u32, ncmds)
			     __field(u32, ndeps)),
	    TP_fast_assign(__entry->queue = queue;
			   __entry->ctx = ctx;
			   __entry->seqno = seqno;
			   __entry->ncmds = ncmds;
			   __entry->ndeps = ndeps;),
	    TP_printk("queue=%u ctx=%u seqno=%llu cmds=%u in_fences=%u",
		      __entry->queue, __entry->ctx, __entry->seqno,
		      __entry->ncmds, __entry->ndeps)
);

TRACE_EVENT(tern_job_run,
	    TP_PROTO(u32 queue, u64 seqno, u32 ring_start, u32 ndesc),
	    TP_ARGS(queue, seqno, ring_start, ndesc),
	    TP_STRUCT__entry(__field(u32, queue)
			     __field(u64, seqno)
			     __field(u32, ring_start)
			     __field(u32, ndesc)),
	    TP_fast_assign(__entry->queue = queue;
			   __entry->seqno = seqno;
			   __entry->ring_start = ring_start;
			   __entry->ndesc = ndesc;),
	    TP_printk("queue=%u seqno=%llu ring=%u descs=%u", __entry->queue,
		      __entry->seqno, __entry->ring_start, __entry->ndesc)
);

TRACE_EVENT(tern_job_done,
	    TP_PROTO(u32 queue, u64 seqno, int error),
	    TP_ARGS(queue, seqno, error),
	    TP_STRUCT__entry(__field(u32, queue)
			     __field(u64, seqno)
			     __field(int, error)),
	    TP_fast_assign(__entry->queue = queue;
			   __entry->seqno = seqno;
			   __entry->error = error;),
	    TP_printk("queue=%u seqno=%llu error=%d", __entry->queue,
		      __entry->seqno, __entry->error)
);

TRACE_EVENT(tern_queue_halt,
	    TP_PROTO(u32 queue, u32 qerr, u32 err_index, u64 fault_va, u32 info),
	    TP_ARGS(queue, qerr, err_index, fault_va, info),
	    TP_STRUCT__entry(__field(u32, queue)
			     __field(u32, qerr)
			     __field(u32, err_index)
			     __field(u64, fault_va)
			     __field(u32, info)),
	    TP_fast_assign(__entry->queue = queue;
			   __entry->qerr = qerr;
			   __entry->err_index = err_index;
			   __entry->fault_va = fault_va;
			   __entry->info = info;),
	    TP_printk("queue=%u error=%u index=%u fault_va=%#llx fault_info=%#x",
		      __entry->queue, __entry->qerr, __entry->err_index,
		      __entry->fault_va, __entry->info)
);

TRACE_EVENT(tern_reset,
	    TP_PROTO(const char *dev, int result),
	    TP_ARGS(dev, result),
	    TP_STRUCT__entry(__array(char, dev, 16)
			     __field(int, result)),
	    TP_fast_assign(strscpy(__entry->dev, dev, sizeof(__entry->dev));
			   __entry->result = result;),
	    TP_printk("dev=%s result=%d", __entry->dev, __entry->result)
);

#endif /* __TERN_TRACE_H__ */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE tern_trace
#include <trace/define_trace.h>
