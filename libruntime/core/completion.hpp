// SPDX-License-Identifier: MIT
// The runtime thread of one context: it waits on the pending points of the
// context's queues (one TIMELINE_WAIT over all of them), copies staged
// device-to-host data out as chunks complete, and runs event callbacks.
// Waking it for new work uses a host-signalled timeline syncobj when the
// backend supports WAIT_FOR_SUBMIT, else it re-scans every 2 ms while
// anything is pending (idle, it sleeps on a condition variable).
#pragma once

#include "object.hpp"

#include <tern/tern.h>

#include <memory>
#include <thread>

namespace tern::rt {

class File;
class Queue;
class Event;

struct CallbackItem {
    Ref<Queue> queue;
    uint64_t point;
    Ref<Event> event;  // keeps the event object (not its handle) alive
    tern_event handle;
    tern_event_callback fn;
    void* user_data;
};

class Completion {
public:
    Completion(File* file, int numa_node);
    ~Completion();
    Completion(const Completion&) = delete;
    Completion& operator=(const Completion&) = delete;

    void add(CallbackItem item);
    // `queue` has staged copy-outs pending.
    void watch(Queue* queue);
    // The user is closing `queue`, whose submitted work is done: runs the
    // callbacks due on it and drops the thread's watch on it before
    // returning, so that the caller's release is the queue's last
    // reference and the queue, and with it perhaps the context and its
    // file, goes synchronously. Callbacks on points not reached (a failed
    // queue) keep their references. A no-op on the thread itself (a
    // callback closing a queue).
    void release_queue(Queue* queue);

    struct State;

private:
    std::shared_ptr<State> st_;
    std::thread thread_;
};

}  // namespace tern::rt
