// SPDX-License-Identifier: MIT
// Per-file handle tables (the kernel's idr/xarray): GEM handles, syncobj
// handles and context IDs. Lookups take a shared lock so that many threads
// submitting on one file do not serialise on it.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

namespace tern::rt::mock {

template <typename T>
class HandleTable {
public:
    // cyclic = false: the lowest free ID >= 1 (idr_alloc, as GEM and syncobj
    // handles); true: IDs keep increasing and wrap (xa_alloc_cyclic, as
    // context IDs), so a stale ID rarely names a new object.
    explicit HandleTable(bool cyclic = false) : cyclic_(cyclic) {}

    // Returns 0 when the ID space is exhausted.
    uint32_t insert(std::shared_ptr<T> obj) {
        std::unique_lock lock(mu_);
        uint32_t id = 0;
        if (!cyclic_ && !free_.empty()) {
            id = *free_.begin();
            free_.erase(free_.begin());
        } else {
            for (uint32_t tries = 0; tries < 1024; ++tries) {
                uint32_t cand = next_++;
                if (next_ == 0) {
                    next_ = 1;
                }
                if (cand != 0 && map_.find(cand) == map_.end()) {
                    id = cand;
                    break;
                }
            }
            if (id == 0) {
                return 0;
            }
        }
        map_.emplace(id, std::move(obj));
        return id;
    }

    std::shared_ptr<T> get(uint32_t id) const {
        std::shared_lock lock(mu_);
        auto it = map_.find(id);
        return it == map_.end() ? nullptr : it->second;
    }

    bool contains(uint32_t id) const {
        std::shared_lock lock(mu_);
        return map_.find(id) != map_.end();
    }

    // Removes and returns the object, nullptr if the ID is unknown.
    std::shared_ptr<T> remove(uint32_t id) {
        std::unique_lock lock(mu_);
        auto it = map_.find(id);
        if (it == map_.end()) {
            return nullptr;
        }
        auto obj = std::move(it->second);
        map_.erase(it);
        if (!cyclic_) {
            free_.insert(id);
        }
        return obj;
    }

    // Removes `id` only if it still names `obj`.
    bool remove_if_same(uint32_t id, const T* obj) {
        std::unique_lock lock(mu_);
        auto it = map_.find(id);
        if (it == map_.end() || it->second.get() != obj) {
            return false;
        }
        map_.erase(it);
        if (!cyclic_) {
            free_.insert(id);
        }
        return true;
    }

    std::vector<std::shared_ptr<T>> snapshot() const {
        std::shared_lock lock(mu_);
        std::vector<std::shared_ptr<T>> out;
        out.reserve(map_.size());
        for (const auto& [id, obj] : map_) {
            out.push_back(obj);
        }
        return out;
    }

    std::vector<std::shared_ptr<T>> take_all() {
        std::unique_lock lock(mu_);
        std::vector<std::shared_ptr<T>> out;
        out.reserve(map_.size());
        for (auto& [id, obj] : map_) {
            out.push_back(std::move(obj));
        }
        map_.clear();
        free_.clear();
        next_ = 1;
        return out;
    }

    size_t size() const {
        std::shared_lock lock(mu_);
        return map_.size();
    }

private:
    const bool cyclic_;
    mutable std::shared_mutex mu_;
    std::unordered_map<uint32_t, std::shared_ptr<T>> map_;
    std::set<uint32_t> free_;  // freed IDs below next_ (idr mode)
    uint32_t next_ = 1;
};

}  // namespace tern::rt::mock
