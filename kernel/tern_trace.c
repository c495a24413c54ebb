// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 */

#define CREATE_TRACE_POINTS
#include "tern_trace.h"
