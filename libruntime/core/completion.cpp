// SPDX-License-Identifier: MIT
#include "completion.hpp"

#include "../backend/backend.hpp"
#include "event.hpp"
#include "log.hpp"
#include "queue.hpp"
#include "status.hpp"

#include <drm/tern_accel.h>
#include <numa.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <vector>

namespace tern::rt {

struct Completion::State {
    std::mutex mu;
    std::condition_variable cv;
    bool stop = false;
    bool waiting = false;  // in TIMELINE_WAIT
    std::vector<CallbackItem> items;
    std::vector<Ref<Queue>> watched;
    std::vector<Queue*> closing;  // release_queue() requests
    std::condition_variable closed_cv;
    File* file;
    int numa_node;
    uint32_t wake_syncobj = 0;
    uint64_t wake_point = 0;  // last point signalled
    bool wake_ok = false;
};

namespace {

int64_t abs_after(int64_t ns) {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec + ns;
}

int signal_point(File* file, uint32_t handle, uint64_t point) {
    drm_syncobj_timeline_array a{};
    a.handles = reinterpret_cast<uintptr_t>(&handle);
    a.points = reinterpret_cast<uintptr_t>(&point);
    a.count_handles = 1;
    return file->ioctl(DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a);
}

// Sets up the wake syncobj if the backend can signal from the host and
// wait for a point not yet submitted.
void probe_wake(Completion::State* st) {
    drm_syncobj_create c{};
    if (st->file->ioctl(DRM_IOCTL_SYNCOBJ_CREATE, &c) != 0)
        return;
    st->wake_syncobj = c.handle;
    if (signal_point(st->file, c.handle, 1) != 0)
        return;
    uint64_t p = 2;
    drm_syncobj_timeline_wait w{};
    w.handles = reinterpret_cast<uintptr_t>(&c.handle);
    w.points = reinterpret_cast<uintptr_t>(&p);
    w.count_handles = 1;
    w.timeout_nsec = 0;
    w.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
    int r = st->file->ioctl(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w);
    if (r == -ETIME || r == -ETIMEDOUT) {
        st->wake_point = 1;
        st->wake_ok = true;
    }
}

void wake_locked(Completion::State* st) {
    if (st->waiting && st->wake_ok) {
        if (signal_point(st->file, st->wake_syncobj, st->wake_point + 1) == 0)
            ++st->wake_point;
        st->waiting = false;  // one signal per wait is enough
    }
    st->cv.notify_one();
}

// Runs and then drops `ready`. Dropping the references may destroy queues,
// the context and its Completion (which then detaches this thread), so the
// loop touches nothing but its State afterwards.
void run_callbacks(std::vector<CallbackItem>& ready) {
    for (CallbackItem& it : ready) {
        tern_status s = it.queue->point_status(it.point);
        it.event->callback_done();
        it.fn(it.handle, s, it.user_data);
    }
    ready.clear();
}

void run(std::shared_ptr<Completion::State> st) {
    if (st->numa_node >= 0 && numa_available() >= 0)
        numa_run_on_node(st->numa_node);  // near the device's memory traffic
    std::vector<Queue*> qs;
    std::vector<uint32_t> handles;
    std::vector<uint64_t> points;
    std::vector<CallbackItem> ready;
    std::vector<Ref<Queue>> drop;  // released with the lock dropped
    std::unique_lock lk(st->mu);
    while (!st->stop) {
        // Callbacks whose point is already known to have passed run now.
        for (size_t i = 0; i < st->items.size();) {
            if (st->items[i].point <= st->items[i].queue->signaled_point()) {
                ready.push_back(std::move(st->items[i]));
                st->items.erase(st->items.begin() + std::ptrdiff_t(i));
            } else {
                ++i;
            }
        }
        if (!ready.empty()) {
            lk.unlock();
            run_callbacks(ready);
            lk.lock();
            continue;
        }
        // Queues being closed: their due callbacks have just run; let go
        // of the watch unless copy-outs are pending still. Requests that
        // come while the lock is dropped are answered in the next round.
        if (!st->closing.empty()) {
            const size_t answered = st->closing.size();
            for (Queue* q : st->closing) {
                auto it = std::find_if(st->watched.begin(), st->watched.end(),
                                       [q](const Ref<Queue>& w) { return w.get() == q; });
                if (it == st->watched.end() || q->oldest_copy_out() != 0)
                    continue;
                q->watched.store(false);
                drop.push_back(std::move(*it));
                st->watched.erase(it);
            }
            lk.unlock();
            drop.clear();
            lk.lock();
            st->closing.erase(st->closing.begin(), st->closing.begin() + std::ptrdiff_t(answered));
            st->closed_cv.notify_all();
            continue;
        }
        qs.clear();
        points.clear();
        auto add = [&](Queue* q, uint64_t p) {
            if (p == 0)
                return;
            auto it = std::find(qs.begin(), qs.end(), q);
            if (it == qs.end()) {
                qs.push_back(q);
                points.push_back(p);
            } else {
                uint64_t& cur = points[size_t(it - qs.begin())];
                cur = std::min(cur, p);
            }
        };
        for (auto& it : st->items)
            add(it.queue.get(), it.point);
        for (auto& q : st->watched)
            add(q.get(), q->oldest_copy_out());
        if (qs.empty()) {
            if (!st->watched.empty()) {
                // Nothing pending: clear the flags, then look again (see below).
                bool busy = false;
                for (auto& q : st->watched) {
                    q->watched.store(false);
                    if (q->oldest_copy_out() != 0) {
                        q->watched.store(true);
                        busy = true;
                    }
                }
                if (busy)
                    continue;
                drop.swap(st->watched);
                lk.unlock();
                drop.clear();
                lk.lock();
                continue;
            }
            st->cv.wait(lk);
            continue;
        }
        handles.clear();
        for (Queue* q : qs)
            handles.push_back(q->syncobj());
        bool use_wake = st->wake_ok;
        if (use_wake) {
            handles.push_back(st->wake_syncobj);
            points.push_back(st->wake_point + 1);
        }
        st->waiting = true;
        lk.unlock();

        // Queues stay alive: items and watched hold references, and only
        // this thread removes them.
        drm_syncobj_timeline_wait w{};
        w.handles = reinterpret_cast<uintptr_t>(handles.data());
        w.points = reinterpret_cast<uintptr_t>(points.data());
        w.count_handles = uint32_t(handles.size());
        w.timeout_nsec = abs_after(use_wake ? 1000000000 : 2000000);
        w.flags = use_wake ? DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT : 0;
        int r = st->file->ioctl(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w);
        bool failed = r != 0 && r != -ETIME && r != -ETIMEDOUT;
        if (failed)
            TERN_LOG(warn, "completion thread: TIMELINE_WAIT failed ({})", errno_name(r));

        // What has each queue reached?
        handles.resize(qs.size());
        points.assign(qs.size(), 0);
        drm_syncobj_timeline_array a{};
        a.handles = reinterpret_cast<uintptr_t>(handles.data());
        a.points = reinterpret_cast<uintptr_t>(points.data());
        a.count_handles = uint32_t(qs.size());
        if (int rq = st->file->ioctl(DRM_IOCTL_SYNCOBJ_QUERY, &a); rq != 0) {
            TERN_LOG(warn, "completion thread: SYNCOBJ_QUERY failed ({})", errno_name(rq));
            points.assign(qs.size(), 0);
            failed = true;
        }
        for (size_t i = 0; i < qs.size(); ++i)
            if (points[i] != 0)
                qs[i]->on_signaled(points[i]);

        lk.lock();
        st->waiting = false;
        for (size_t i = 0; i < st->items.size();) {
            CallbackItem& it = st->items[i];
            size_t qi = size_t(std::find(qs.begin(), qs.end(), it.queue.get()) - qs.begin());
            if (qi < qs.size() && it.point <= points[qi]) {
                ready.push_back(std::move(it));
                st->items.erase(st->items.begin() + std::ptrdiff_t(i));
            } else {
                ++i;
            }
        }
        for (size_t i = 0; i < st->watched.size();) {
            Queue* q = st->watched[i].get();
            bool idle = q->oldest_copy_out() == 0;
            if (idle) {
                // Clear, then look again: a producer that queued a copy-out
                // meanwhile either sees false (and re-adds) or is seen here.
                q->watched.store(false);
                idle = q->oldest_copy_out() == 0;
                if (!idle)
                    q->watched.store(true);
            }
            if (idle) {
                drop.push_back(std::move(st->watched[i]));
                st->watched.erase(st->watched.begin() + std::ptrdiff_t(i));
            } else {
                ++i;
            }
        }
        if (!ready.empty() || !drop.empty() || failed) {
            lk.unlock();
            run_callbacks(ready);
            drop.clear();
            lk.lock();
            if (failed && !st->stop)
                st->cv.wait_for(lk, std::chrono::milliseconds(2));
        }
    }
}

}  // namespace

Completion::Completion(File* file, int numa_node) : st_(std::make_shared<State>()) {
    st_->file = file;
    st_->numa_node = numa_node;
    probe_wake(st_.get());
    TERN_LOG(debug, "completion thread: wake by syncobj {}",
             st_->wake_ok ? "yes" : "no (2 ms scan)");
    thread_ = std::thread(run, st_);
}

Completion::~Completion() {
    {
        std::lock_guard lk(st_->mu);
        st_->stop = true;
        wake_locked(st_.get());
    }
    // The last reference to the context may be dropped by the thread itself.
    if (thread_.get_id() == std::this_thread::get_id())
        thread_.detach();
    else
        thread_.join();
    if (st_->wake_syncobj != 0) {
        drm_syncobj_destroy d{};
        d.handle = st_->wake_syncobj;
        st_->file->ioctl(DRM_IOCTL_SYNCOBJ_DESTROY, &d);
    }
}

void Completion::add(CallbackItem item) {
    std::lock_guard lk(st_->mu);
    st_->items.push_back(std::move(item));
    wake_locked(st_.get());
}

void Completion::release_queue(Queue* queue) {
    if (std::this_thread::get_id() == thread_.get_id())
        return;
    std::unique_lock lk(st_->mu);
    st_->closing.push_back(queue);
    wake_locked(st_.get());
    st_->closed_cv.wait(lk, [&] {
        return std::find(st_->closing.begin(), st_->closing.end(), queue) == st_->closing.end();
    });
}

void Completion::watch(Queue* queue) {
    std::lock_guard lk(st_->mu);
    for (auto& q : st_->watched)
        if (q.get() == queue)
            return;  // already in the wait set: its next point is later
    st_->watched.emplace_back(queue);
    wake_locked(st_.get());
}

}  // namespace tern::rt
