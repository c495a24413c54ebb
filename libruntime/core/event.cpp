// SPDX-License-Identifier: MIT
#include "event.hpp"

#include "completion.hpp"
#include "context.hpp"
#include "log.hpp"
#include "queue.hpp"
#include "runtime.hpp"
#include "status.hpp"

namespace tern::rt {

Event::Event(Context* ctx) : Object(kKind), ctx_(ctx) {}
Event::~Event() = default;

void Event::set(Queue* queue, uint64_t point) {
    Ref<Queue> q(queue);
    std::lock_guard lk(mu_);
    queue_.swap(q);
    point_ = point;
    // The old queue reference drops after the lock (q's destructor).
}

void Event::get(Ref<Queue>* queue, uint64_t* point) {
    std::lock_guard lk(mu_);
    *queue = queue_;
    *point = point_;
}

bool Event::arm_callback() {
    std::lock_guard lk(mu_);
    if (callback_pending_)
        return false;
    callback_pending_ = true;
    return true;
}

void Event::callback_done() {
    std::lock_guard lk(mu_);
    callback_pending_ = false;
}

}  // namespace tern::rt

using namespace tern::rt;

namespace {

Event* find_event(tern_event e) {
    Event* ev = lookup<Event>(e);
    if (ev == nullptr)
        fail(TERN_ERROR_INVALID_HANDLE, "not a live event handle");
    return ev;
}

}  // namespace

extern "C" {

TERN_API tern_status tern_event_create(tern_context context, tern_event* event) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Context* c = lookup<Context>(context);
    if (c == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live context handle");
    if (event == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "event is NULL");
    auto* e = new Event(c);
    if (!Registry::instance().add(e)) {
        e->release();
        return fail(TERN_ERROR_OUT_OF_HOST_MEMORY, "too many handles");
    }
    *event = to_handle<tern_event>(e);
    return TERN_OK;
}

TERN_API tern_status tern_event_destroy(tern_event event) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Object* o = Registry::instance().remove(reinterpret_cast<uint64_t>(event), Kind::event);
    if (o == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live event handle");
    o->release();  // a pending callback keeps the object until it has run
    return TERN_OK;
}

TERN_API tern_status tern_event_record(tern_event event, tern_queue queue) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Event* e = find_event(event);
    if (e == nullptr)
        return TERN_ERROR_INVALID_HANDLE;
    Queue* q = lookup<Queue>(queue);
    if (q == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live queue handle");
    if (q->context()->device()->index() != e->context()->device()->index())
        return fail(TERN_ERROR_INVALID_ARGUMENT,
                    "the queue is on device {}, the event's context on device {}",
                    q->context()->device()->index(), e->context()->device()->index());
    uint64_t point;
    if (tern_status s = q->record(&point); s != TERN_OK)
        return s;
    e->set(q, point);
    return TERN_OK;
}

TERN_API tern_status tern_event_query(tern_event event) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Event* e = find_event(event);
    if (e == nullptr)
        return TERN_ERROR_INVALID_HANDLE;
    Ref<Queue> q;
    uint64_t point;
    e->get(&q, &point);
    if (!q)
        return TERN_OK;
    tern_status s = q->wait(point, 0);
    if (s == TERN_ERROR_TIMEOUT)
        return set_error(TERN_ERROR_NOT_READY, "the event has not passed yet");
    return s;
}

TERN_API tern_status tern_event_wait(tern_event event, int64_t timeout_ns) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Event* e = find_event(event);
    if (e == nullptr)
        return TERN_ERROR_INVALID_HANDLE;
    Ref<Queue> q;
    uint64_t point;
    e->get(&q, &point);
    if (!q)
        return TERN_OK;
    tern_status s = q->wait(point, timeout_ns);
    if (s == TERN_ERROR_TIMEOUT)
        return fail(s, "job {} of queue {} did not finish within {} ns", point, q->id(),
                    timeout_ns);
    return s;
}

TERN_API tern_status tern_queue_wait_event(tern_queue queue, tern_event event) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Queue* q = lookup<Queue>(queue);
    if (q == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live queue handle");
    Event* e = find_event(event);
    if (e == nullptr)
        return TERN_ERROR_INVALID_HANDLE;
    Ref<Queue> src;
    uint64_t point;
    e->get(&src, &point);
    if (!src || point == 0)
        return TERN_OK;
    if (src->context() == q->context())
        return q->depend_on(src.get(), src->syncobj(), point);  // same file
    // Another file: its syncobj handle means nothing in this one; import it.
    uint32_t handle;
    if (q->context()->import_syncobj(src.get(), &handle) == TERN_OK)
        return q->depend_on(src.get(), handle, point);
    TERN_LOG(debug, "cannot share queue {}'s syncobj: waiting on the host", src->id());
    return src->wait(point, -1);
}

TERN_API tern_status tern_event_set_callback(tern_event event, tern_event_callback callback,
                                             void* user_data) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Event* e = find_event(event);
    if (e == nullptr)
        return TERN_ERROR_INVALID_HANDLE;
    if (callback == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "callback is NULL");
    Ref<Queue> q;
    uint64_t point;
    e->get(&q, &point);
    if (!q)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "the event was never recorded");
    if (!e->arm_callback())
        return fail(TERN_ERROR_BUSY, "a callback is already pending on this event");
    Context* c = q->context();
    c->completion().add(
        CallbackItem{std::move(q), point, Ref<Event>(e), event, callback, user_data});
    return TERN_OK;
}

}  // extern "C"
