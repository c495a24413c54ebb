// SPDX-License-Identifier: MIT
// The PCI core's SR-IOV attributes of a PF (Documentation/ABI/testing/
// sysfs-bus-pci): whether it has the capability, enabling and disabling
// VFs through sriov_numvfs, and which PCI function is VF i and which driver
// it is bound to. Plain POSIX over a directory that tests can replace with
// a fake tree; nothing here depends on the rest of the runtime.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace tern::rt::sriov {

// The PF at `pf_dir` (/sys/bus/pci/devices/<pf>) has an SR-IOV capability
// with at least one VF (sriov_totalvfs > 0). On the Tern emulator and the
// mock there is none: the driver enables VFs when the table is applied.
bool has_sriov(const std::string& pf_dir);

// sriov_numvfs as a number; false if unreadable.
bool read_numvfs(const std::string& pf_dir, uint32_t* out);

// Writes `n` to sriov_numvfs. 0 or the write's -errno (EBUSY: a VF is
// assigned; EPERM/EACCES: not root; EINVAL: more than the table has).
int write_numvfs(const std::string& pf_dir, uint32_t n);

// PCI address of VF i ("0000:03:00.5", from the virtfn<i> link), "" if
// the VF is not enabled.
std::string vf_pci_address(const std::string& pf_dir, uint32_t i);

// Driver VF i is bound to ("tern", "vfio-pci"), "" when unbound or absent.
std::string vf_driver(const std::string& pf_dir, uint32_t i);

// tern.ko's own list of the PF's VFs bound to it, <pf_dir>/tern/vfs: one
// "vfI DOMAIN:BUS:DEVICE.FUNCTION" line per VF (SR-IOV VFs, or the
// emulator's VF ports). False when the driver has no such attribute;
// lines that do not parse are skipped.
bool read_bound_vfs(const std::string& pf_dir, std::map<uint32_t, std::string>* out);

}  // namespace tern::rt::sriov
