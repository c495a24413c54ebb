// SPDX-License-Identifier: MIT
// An event: a (queue, point) pair, moved by tern_event_record.
#pragma once

#include "object.hpp"

#include <mutex>

namespace tern::rt {

class Context;
class Queue;

class Event final : public Object {
public:
    static constexpr Kind kKind = Kind::event;

    explicit Event(Context* ctx);
    ~Event() override;

    Context* context() const { return ctx_.get(); }
    void set(Queue* queue, uint64_t point);
    // The recorded point; queue is null if never recorded.
    void get(Ref<Queue>* queue, uint64_t* point);
    // Marks a callback pending; false if one already is.
    bool arm_callback();
    void callback_done();

private:
    Ref<Context> ctx_;
    std::mutex mu_;
    Ref<Queue> queue_;
    uint64_t point_ = 0;
    bool callback_pending_ = false;
};

}  // namespace tern::rt
