// SPDX-License-Identifier: MIT
#include "mock/mock_vm.hpp"

#include <cerrno>

#include "mock/mock_device.hpp"

namespace tern::rt::mock {

namespace {

constexpr uint64_t kPage = TERN_PAGE_SIZE;
constexpr uint64_t kLarge = TERN_LARGE_PAGE_SIZE;

// The device reads tables concurrently: every entry is one 64-bit store.
void set_pte(uint64_t* pte, uint64_t value) {
    __atomic_store_n(pte, value, __ATOMIC_RELEASE);
}

}  // namespace

std::unique_ptr<Vm> Vm::create(MockDevice& dev, int* err) {
    uint32_t asid = 0;
    if (!dev.alloc_asid(&asid)) {
        *err = -ENOSPC;
        return nullptr;
    }
    std::unique_ptr<Vm> vm(new Vm(dev, asid));
    vm->root_ = std::make_unique<Table>();
    vm->root_->page = dev.pt_pool().alloc();
    if (vm->root_->page.cpu == nullptr) {
        vm->root_.reset();
        *err = -ENOMEM;
        return nullptr;  // ~Vm frees the ASID
    }
    dev.mmu_set_root(asid, vm->root_->page.bus);
    dev.mmu_invalidate(asid, 0, 0);
    return vm;
}

Vm::~Vm() {
    if (root_) {
        dev_.mmu_set_root(asid_, 0);
        dev_.mmu_invalidate(asid_, 0, 0);
        free_table(root_);
    }
    dev_.free_asid(asid_);
}

void Vm::free_table(std::unique_ptr<Table>& t) {
    for (auto& n : t->next) {
        if (n) {
            free_table(n);
        }
    }
    dev_.pt_pool().free(t->page);
    t.reset();
}

uint64_t Vm::alloc_va(uint64_t size) {
    std::lock_guard lock(mu_);
    const uint64_t align = size >= kLarge ? kLarge : kPage;
    // The guard page catches linear overruns as UNMAPPED faults.
    auto va = va_.alloc(size + kPage, align);
    return va ? *va : 0;
}

void Vm::free_va(uint64_t va, uint64_t size) {
    std::lock_guard lock(mu_);
    va_.free(va, size + kPage);
}

Vm::Table* Vm::child(Table* t, unsigned index, int* err) {
    if (!t->next[index]) {
        auto n = std::make_unique<Table>();
        n->page = dev_.pt_pool().alloc();
        if (n->page.cpu == nullptr) {
            *err = -ENOMEM;
            return nullptr;
        }
        set_pte(&t->page.cpu[index], n->page.bus | TERN_PTE_VALID);
        t->next[index] = std::move(n);
    }
    return t->next[index].get();
}

int Vm::map(uint64_t va, uint64_t size, uint64_t addr, bool devmem, bool writable) {
    const uint64_t flags =
        TERN_PTE_VALID | (writable ? TERN_PTE_WRITE : 0) | (devmem ? TERN_PTE_DEVMEM : 0);
    int err = 0;
    {
        std::lock_guard lock(mu_);
        uint64_t off = 0;
        while (off < size && err == 0) {
            const uint64_t v = va + off;
            const uint64_t a = addr + off;
            Table* l2 = child(root_.get(), TERN_PT_INDEX(v, 3), &err);
            Table* l1 = l2 != nullptr ? child(l2, TERN_PT_INDEX(v, 2), &err) : nullptr;
            if (l1 == nullptr) {
                break;
            }
            const unsigned i1 = TERN_PT_INDEX(v, 1);
            // A 2 MiB leaf where VA, target and length allow and no 4 KiB
            // table already covers the slot (another BO in the same 2 MiB).
            if (v % kLarge == 0 && a % kLarge == 0 && size - off >= kLarge && !l1->next[i1]) {
                set_pte(&l1->page.cpu[i1], (a & TERN_PTE_ADDR) | flags | TERN_PTE_LEAF);
                off += kLarge;
                continue;
            }
            Table* l0 = child(l1, i1, &err);
            if (l0 == nullptr) {
                break;
            }
            set_pte(&l0->page.cpu[TERN_PT_INDEX(v, 0)], (a & TERN_PTE_ADDR) | flags);
            off += kPage;
        }
        if (err != 0) {
            clear_range(va, off);
        }
    }
    dev_.mmu_invalidate(asid_, va, size);
    return err;
}

void Vm::clear_range(uint64_t va, uint64_t size) {
    uint64_t off = 0;
    while (off < size) {
        const uint64_t v = va + off;
        Table* l2 = root_->next[TERN_PT_INDEX(v, 3)].get();
        Table* l1 = l2 != nullptr ? l2->next[TERN_PT_INDEX(v, 2)].get() : nullptr;
        if (l1 == nullptr) {
            off += kPage;
            continue;
        }
        const unsigned i1 = TERN_PT_INDEX(v, 1);
        Table* l0 = l1->next[i1].get();
        if (l0 == nullptr) {
            if ((l1->page.cpu[i1] & TERN_PTE_LEAF) != 0) {
                set_pte(&l1->page.cpu[i1], 0);
                off += kLarge - (v % kLarge);
            } else {
                off += kPage;
            }
            continue;
        }
        set_pte(&l0->page.cpu[TERN_PT_INDEX(v, 0)], 0);
        off += kPage;
    }
}

void Vm::unmap(uint64_t va, uint64_t size) {
    {
        std::lock_guard lock(mu_);
        clear_range(va, size);
    }
    dev_.mmu_invalidate(asid_, va, size);
}

}  // namespace tern::rt::mock
