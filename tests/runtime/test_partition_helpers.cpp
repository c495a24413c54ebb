// SPDX-License-Identifier: MIT
// The pure pieces behind the partition API, compiled in: the planner on
// card shapes no mock has (6 or 32 cores, 8 GiB, max_partitions 4), the
// post-condition checks against a driver that lies, and the SR-IOV sysfs
// helpers on a fake PF directory.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "partition_check.hpp"
#include "partition_plan.hpp"
#include "partition_sysfs.hpp"

namespace tern::rt::partition {
namespace {

constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kGiB = 1ull << 30;

PfResources card(uint64_t mem, uint32_t cores, uint32_t max_parts = 8, uint32_t queues = 16,
                 uint32_t asids = 64) {
    PfResources pf;
    pf.card_mem_size = mem;
    pf.card_core_mask = cores >= 32 ? ~0u : (1u << cores) - 1;
    pf.max_partitions = max_parts;
    pf.pf_queues = queues;
    pf.pf_asids = asids;
    return pf;
}

Request equal(uint32_t n, uint64_t reserve = 0) {
    Request r;
    r.equal = true;
    r.num_partitions = n;
    r.pf_reserve = reserve;
    return r;
}

// Every rule of hw-spec 10.2 that the driver would check.
void expect_valid_table(const PfResources& pf, const std::vector<drm_tern_partition>& e) {
    uint32_t cores = 0;
    for (size_t i = 0; i < e.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(0u, e[i].mem_base % kAlign);
        EXPECT_NE(0u, e[i].mem_size);
        EXPECT_EQ(0u, e[i].mem_size % kAlign);
        EXPECT_LE(e[i].mem_base + e[i].mem_size, pf.card_mem_size);
        EXPECT_NE(0u, e[i].core_mask);
        EXPECT_EQ(0u, e[i].core_mask & ~pf.card_core_mask);
        EXPECT_EQ(0u, e[i].core_mask & cores);
        cores |= e[i].core_mask;
        EXPECT_GE(e[i].num_queues, 1u);
        EXPECT_LE(e[i].num_queues, 16u);
        EXPECT_GE(e[i].num_asids, 1u);
        EXPECT_LE(e[i].num_asids, 64u);
        EXPECT_EQ(0u, e[i].flags);
        for (size_t j = 0; j < i; ++j) {
            EXPECT_FALSE(e[i].mem_base < e[j].mem_base + e[j].mem_size &&
                         e[j].mem_base < e[i].mem_base + e[i].mem_size)
                << "windows " << i << " and " << j << " overlap";
        }
    }
}

TEST(PartitionPlan, EqualSplitsOfManyCards) {
    struct Card {
        uint64_t mem;
        uint32_t cores;
        uint64_t reserve;
    };
    for (const Card& c :
         {Card{64 * kMiB, 8, 0}, Card{8 * kGiB, 32, 0}, Card{8 * kGiB, 32, kGiB},
          Card{100 * kMiB, 6, 5 * kMiB}, Card{16 * kMiB, 8, 0}, Card{18 * kMiB, 8, 1}}) {
        const PfResources pf = card(c.mem, c.cores);
        for (uint32_t n : {1u, 2u, 4u, 8u}) {
            SCOPED_TRACE(std::to_string(c.mem >> 20) + " MiB, " + std::to_string(c.cores) +
                         " cores, reserve " + std::to_string(c.reserve) + ", " + std::to_string(n) +
                         " ways");
            std::vector<drm_tern_partition> e;
            std::string why;
            const bool ok = plan(pf, equal(n, c.reserve), &e, &why);
            if (n > c.cores) {
                EXPECT_FALSE(ok);
                EXPECT_NE(std::string::npos, why.find("cores")) << why;
                continue;
            }
            ASSERT_TRUE(ok) << why;
            ASSERT_EQ(n, e.size());
            expect_valid_table(pf, e);
            const uint64_t reserve = (c.reserve + kAlign - 1) / kAlign * kAlign;
            for (const auto& x : e) {
                EXPECT_EQ(e[0].mem_size, x.mem_size) << "equal windows";
                EXPECT_GE(x.mem_base, reserve) << "inside the PF reserve";
                EXPECT_EQ(uint32_t(std::popcount(pf.card_core_mask)) / n,
                          uint32_t(std::popcount(x.core_mask)));
            }
            EXPECT_EQ(c.mem / kAlign * kAlign, e.back().mem_base + e.back().mem_size)
                << "the windows end at the top of the card";
            // Less than one more window's worth is left unused.
            EXPECT_LT(c.mem - reserve - n * e[0].mem_size, n * kAlign);
        }
    }
}

TEST(PartitionPlan, LimitsOfTheCard) {
    std::vector<drm_tern_partition> e;
    std::string why;
    // A card that takes 4 partitions at most.
    EXPECT_FALSE(plan(card(64 * kMiB, 8, 4), equal(8), &e, &why));
    EXPECT_NE(std::string::npos, why.find("1..4")) << why;
    EXPECT_TRUE(plan(card(64 * kMiB, 8, 4), equal(4), &e, &why)) << why;
    // Without partitioning at all.
    EXPECT_FALSE(plan(card(64 * kMiB, 8, 0), equal(1), &e, &why));
    EXPECT_NE(std::string::npos, why.find("cannot be partitioned")) << why;
    // 8 windows of 2 MiB need 16 MiB; 14 MiB are not enough.
    EXPECT_FALSE(plan(card(14 * kMiB, 8), equal(8), &e, &why));
    EXPECT_NE(std::string::npos, why.find("smaller than 2 MiB")) << why;
    // Queues and address spaces: shares of the PF's, never 0.
    EXPECT_TRUE(plan(card(64 * kMiB, 8, 8, 4, 6), equal(8), &e, &why)) << why;
    EXPECT_EQ(1u, e[0].num_queues);
    EXPECT_EQ(1u, e[0].num_asids);
    // A reserve of the whole card, or more than 64 bits can round.
    EXPECT_FALSE(plan(card(64 * kMiB, 8), equal(1, 64 * kMiB), &e, &why));
    EXPECT_FALSE(plan(card(64 * kMiB, 8), equal(1, ~0ull), &e, &why));
    EXPECT_NE(std::string::npos, why.find("leaves no device memory")) << why;
}

TEST(PartitionPlan, ExplicitSpecsFillTheCardExactly) {
    const PfResources pf = card(64 * kMiB, 6);
    Request r;
    r.equal = false;
    r.num_partitions = 3;
    r.specs = {Spec{.num_cores = 1, .mem_size = 32 * kMiB},
               Spec{.num_cores = 2, .mem_size = 16 * kMiB},
               Spec{.core_mask = 0x30, .mem_size = 16 * kMiB}};
    std::vector<drm_tern_partition> e;
    std::string why;
    ASSERT_TRUE(plan(pf, r, &e, &why)) << why;
    expect_valid_table(pf, e);
    EXPECT_EQ(0u, e[0].mem_base);
    EXPECT_EQ(32 * kMiB, e[1].mem_base);
    EXPECT_EQ(48 * kMiB, e[2].mem_base);
    EXPECT_EQ(0x1u, e[0].core_mask);
    EXPECT_EQ(0x6u, e[1].core_mask);
    EXPECT_EQ(0x30u, e[2].core_mask);
    // One more byte of memory anywhere and it does not fit.
    r.specs[1].mem_size += kAlign;
    EXPECT_FALSE(plan(pf, r, &e, &why));
    EXPECT_NE(std::string::npos, why.find("no free")) << why;
}

// A fake function: GET_PARAM answers from a table; anything else fails.
class FakeFile final : public File {
public:
    std::map<uint32_t, uint64_t> params;
    int ioctl(unsigned long request, void* arg) override {
        if (request != DRM_IOCTL_TERN_GET_PARAM)
            return -ENOTTY;
        auto* p = static_cast<drm_tern_param*>(arg);
        auto it = params.find(p->param);
        if (it == params.end())
            return -EINVAL;
        p->value = it->second;
        return 0;
    }
    void* mmap(uint64_t, size_t, int* err) override {
        *err = -ENODEV;
        return nullptr;
    }
    int munmap(void*, size_t) override { return -EINVAL; }
};

drm_tern_partition entry(uint64_t base, uint64_t size, uint32_t cores, uint32_t q, uint32_t a) {
    drm_tern_partition e{};
    e.mem_base = base;
    e.mem_size = size;
    e.core_mask = cores;
    e.num_queues = q;
    e.num_asids = a;
    return e;
}

TEST(PartitionCheck, VfMustReportItsEntry) {
    const drm_tern_partition e = entry(32 * kMiB, 16 * kMiB, 0x0c, 4, 8);
    FakeFile f;
    f.params = {{DRM_TERN_PARAM_FUNCTION, DRM_TERN_FUNCTION_IS_VF | (1u << 8)},
                {DRM_TERN_PARAM_CORE_MASK, 0x0c},
                {DRM_TERN_PARAM_NUM_CORES, 2},
                {DRM_TERN_PARAM_MEM_SIZE, 16 * kMiB},
                {DRM_TERN_PARAM_NUM_QUEUES, 4},
                {DRM_TERN_PARAM_MAX_ADDRESS_SPACES, 8}};
    EXPECT_EQ("", verify_vf(f, 1, e));
    // A driver may keep an address space for itself, not give more.
    FakeFile keeps = f;
    keeps.params[DRM_TERN_PARAM_MAX_ADDRESS_SPACES] = 7;
    EXPECT_EQ("", verify_vf(keeps, 1, e));
    keeps.params[DRM_TERN_PARAM_MAX_ADDRESS_SPACES] = 0;
    EXPECT_NE(std::string::npos, verify_vf(keeps, 1, e).find("address spaces 0x0"));
    EXPECT_NE(std::string::npos, verify_vf(f, 0, e).find("function 0x101")) << verify_vf(f, 0, e);
    struct Lie {
        uint32_t param;
        uint64_t value;
        const char* says;
    };
    for (const Lie& l : {Lie{DRM_TERN_PARAM_CORE_MASK, 0x0e, "core mask 0xe"},
                         Lie{DRM_TERN_PARAM_NUM_CORES, 3, "cores 0x3"},
                         Lie{DRM_TERN_PARAM_MEM_SIZE, 8 * kMiB, "8 MiB of memory"},
                         Lie{DRM_TERN_PARAM_NUM_QUEUES, 16, "queues 0x10"},
                         Lie{DRM_TERN_PARAM_MAX_ADDRESS_SPACES, 64, "address spaces 0x40"}}) {
        FakeFile liar = f;
        liar.params[l.param] = l.value;
        const std::string why = verify_vf(liar, 1, e);
        EXPECT_NE(std::string::npos, why.find(l.says)) << why;
    }
    FakeFile mute = f;
    mute.params.erase(DRM_TERN_PARAM_NUM_QUEUES);
    EXPECT_NE(std::string::npos, verify_vf(mute, 1, e).find("does not answer"))
        << verify_vf(mute, 1, e);
}

TEST(PartitionCheck, TableMustReadBackAsWritten) {
    const std::vector<drm_tern_partition> want = {entry(0, 4 * kMiB, 1, 2, 3),
                                                  entry(4 * kMiB, 4 * kMiB, 2, 2, 3)};
    drm_tern_partition_table t{};
    t.num_vfs = 2;
    t.entries[0] = want[0];
    t.entries[1] = want[1];
    EXPECT_EQ("", compare_table(t, want));
    t.entries[1].num_asids = 4;
    EXPECT_NE(std::string::npos, compare_table(t, want).find("entry 1")) << compare_table(t, want);
    t.entries[1] = want[1];
    t.num_vfs = 1;
    EXPECT_NE(std::string::npos, compare_table(t, want).find("1 entries, 2 were written"));
}

// ---- SR-IOV sysfs on a fake PF directory --------------------------------------

class SriovTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/tern-sriov-XXXXXX";
        ASSERT_NE(nullptr, mkdtemp(tmpl));
        root_ = tmpl;
        pf_ = root_ + "/0000:03:00.0";
        ASSERT_EQ(0, mkdir(pf_.c_str(), 0755));
    }
    void TearDown() override { std::system(("rm -rf '" + root_ + "'").c_str()); }
    void write(const std::string& name, const std::string& text) {
        std::ofstream(pf_ + "/" + name) << text;
    }
    std::string read(const std::string& name) {
        std::ifstream in(pf_ + "/" + name);
        std::string s;
        std::getline(in, s);
        return s;
    }
    std::string root_, pf_;
};

TEST_F(SriovTest, CapabilityNumvfsAndVfLinks) {
    EXPECT_FALSE(sriov::has_sriov(pf_)) << "no sriov_totalvfs: the emulator's PF";
    EXPECT_FALSE(sriov::has_sriov(""));
    write("sriov_totalvfs", "0\n");
    EXPECT_FALSE(sriov::has_sriov(pf_));
    write("sriov_totalvfs", "8\n");
    EXPECT_TRUE(sriov::has_sriov(pf_));

    uint32_t n = 99;
    EXPECT_FALSE(sriov::read_numvfs(pf_, &n));
    write("sriov_numvfs", "0\n");
    EXPECT_EQ(0, sriov::write_numvfs(pf_, 3));
    EXPECT_EQ("3", read("sriov_numvfs"));
    ASSERT_TRUE(sriov::read_numvfs(pf_, &n));
    EXPECT_EQ(3u, n);
    EXPECT_EQ(-ENOENT, sriov::write_numvfs(root_ + "/absent", 1));

    // virtfn<i> -> ../0000:03:00.<i+1>, whose driver link names its driver.
    const std::string vf = root_ + "/0000:03:00.2";
    ASSERT_EQ(0, mkdir(vf.c_str(), 0755));
    ASSERT_EQ(0, symlink("../0000:03:00.2", (pf_ + "/virtfn1").c_str()));
    ASSERT_EQ(0, symlink("../../bus/pci/drivers/vfio-pci", (vf + "/driver").c_str()));
    EXPECT_EQ("0000:03:00.2", sriov::vf_pci_address(pf_, 1));
    EXPECT_EQ("", sriov::vf_pci_address(pf_, 0));
    EXPECT_EQ("vfio-pci", sriov::vf_driver(pf_, 1));
    EXPECT_EQ("", sriov::vf_driver(pf_, 0));
}

// tern.ko's list of the VFs bound to it (SR-IOV VFs or emulator VF ports).
TEST_F(SriovTest, BoundVfsOfTheDriver) {
    std::map<uint32_t, std::string> vfs;
    EXPECT_FALSE(sriov::read_bound_vfs(pf_, &vfs)) << "an older driver without tern/vfs";
    EXPECT_FALSE(sriov::read_bound_vfs("", &vfs));
    ASSERT_EQ(0, mkdir((pf_ + "/tern").c_str(), 0755));
    write("tern/vfs", "");
    ASSERT_TRUE(sriov::read_bound_vfs(pf_, &vfs));
    EXPECT_TRUE(vfs.empty());
    write("tern/vfs", "vf0 0000:00:05.0\nvf3 0000:00:07.0\nnonsense\nvfx 0000:00:08.0\nvf1\n");
    ASSERT_TRUE(sriov::read_bound_vfs(pf_, &vfs));
    ASSERT_EQ(2u, vfs.size());
    EXPECT_EQ("0000:00:05.0", vfs[0]);
    EXPECT_EQ("0000:00:07.0", vfs[3]);
}

}  // namespace
}  // namespace tern::rt::partition
