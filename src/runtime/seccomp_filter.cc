#include "runtime/seccomp_filter.h"

#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <string>

namespace uid2::runtime {
namespace {

// Syscalls the app may not make (defence in depth: it also has no capabilities).
constexpr int kDeniedSyscalls[] = {
    SCMP_SYS(mount),
    SCMP_SYS(umount2),
    SCMP_SYS(pivot_root),
    SCMP_SYS(chroot),
    SCMP_SYS(setns),
    SCMP_SYS(unshare),
    SCMP_SYS(ptrace),
    SCMP_SYS(process_vm_writev),
    SCMP_SYS(kexec_load),
    SCMP_SYS(kexec_file_load),
    SCMP_SYS(init_module),
    SCMP_SYS(finit_module),
    SCMP_SYS(delete_module),
    SCMP_SYS(bpf),
    SCMP_SYS(open_by_handle_at),
    SCMP_SYS(name_to_handle_at),
    SCMP_SYS(keyctl),
    SCMP_SYS(add_key),
    SCMP_SYS(request_key),
    SCMP_SYS(perf_event_open),
    SCMP_SYS(userfaultfd),
    SCMP_SYS(fsopen),
    SCMP_SYS(fsmount),
    SCMP_SYS(move_mount),
    SCMP_SYS(open_tree),
    SCMP_SYS(fspick),
    SCMP_SYS(mount_setattr),
    SCMP_SYS(swapon),
    SCMP_SYS(swapoff),
    SCMP_SYS(reboot),
    SCMP_SYS(settimeofday),
    SCMP_SYS(clock_settime),
    SCMP_SYS(iopl),
    SCMP_SYS(ioperm),
    SCMP_SYS(acct),
    SCMP_SYS(quotactl),
};

Status AddRules(scmp_filter_ctx ctx, bool notify_memory) {
  for (int nr : kDeniedSyscalls) {
    if (nr >= 0 && seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0) != 0) {
      return Error::Internal("seccomp rule for syscall " + std::to_string(nr));
    }
  }
  if (!notify_memory) return Ok();
  int rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(mmap), 1,
                            SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_FIXED, 0));
  if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(mremap), 0);
  if (rc != 0) {
    return Error::Unsupported("seccomp user notification (SCMP_ACT_NOTIFY): " +
                              std::string(std::strerror(-rc)));
  }
  return Ok();
}

// Export turns the rules into a classic BPF program and releases the context.
Result<Bytes> Export(scmp_filter_ctx ctx, Status rules) {
  int fd = rules.ok() ? memfd_create("shroud-seccomp", MFD_CLOEXEC) : -1;
  int rc = !rules.ok() ? 0 : fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
  seccomp_release(ctx);
  if (!rules.ok()) return std::move(rules).error();
  if (rc != 0) {
    if (fd >= 0) close(fd);
    return Error::Internal("seccomp_export_bpf failed: " + std::string(std::strerror(-rc)));
  }
  Bytes prog(static_cast<size_t>(lseek(fd, 0, SEEK_END)));
  ssize_t n = pread(fd, prog.data(), prog.size(), 0);
  close(fd);
  if (n != static_cast<ssize_t>(prog.size())) return Error::Internal("reading the seccomp filter");
  return prog;
}

Status AddSysRules(scmp_filter_ctx ctx, const SysRules& rules) {
  constexpr scmp_datum_t kLockMand = 32;  // LOCK_MAND (<sys/file.h>, _GNU_SOURCE)
  std::map<int, int64_t> mocked;          // the last entry for a call wins, as in Gramine's table
  for (size_t i = 0; i < rules.mocks.size(); i++) {
    const auto& [name, ret] = rules.mocks[i];
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR || nr < 0) {
      return Error::Invalid("manifest key 'sys.debug__mock_syscalls[" + std::to_string(i) +
                            "].name': unknown system call '" + name + "'");
    }
    if (ret > 0 || ret < -4095) return Error::Invalid("mock return value out of range");
    mocked[nr] = ret;
  }
  for (const auto& [nr, ret] : mocked) {
    if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(static_cast<uint32_t>(-ret)), nr, 0) != 0) {
      return Error::Internal("seccomp mock rule for system call " + std::to_string(nr));
    }
  }
  auto add = [&](uint32_t action, int nr, unsigned count, scmp_arg_cmp cmp) {
    if (mocked.count(nr) != 0) return 0;
    return count == 0 ? seccomp_rule_add(ctx, action, nr, 0)
                      : seccomp_rule_add(ctx, action, nr, 1, cmp);
  };
  int rc = 0;
  if (rules.disallow_subprocesses) {
    for (int nr : {SCMP_SYS(fork), SCMP_SYS(vfork)}) {
      if (rc == 0) rc = add(SCMP_ACT_ERRNO(EAGAIN), nr, 0, {});
    }
    if (rc == 0) {
      rc = add(SCMP_ACT_ERRNO(EAGAIN), SCMP_SYS(clone), 1,
               SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
    }
    if (rc == 0) rc = add(SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0, {});
  }
  if (rules.deny_flock && rc == 0) {
    rc = add(SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(flock), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, kLockMand, 0));
  }
  if (rc != 0) return Error::Internal("seccomp sys rule: " + std::string(std::strerror(-rc)));
  return Ok();
}

}  // namespace

Result<Bytes> AppFilter(bool notify_memory) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) return Error::Internal("seccomp_init failed");
  return Export(ctx, AddRules(ctx, notify_memory));
}

Result<Bytes> SysFilter(const SysRules& rules) {
  if (!rules.disallow_subprocesses && !rules.deny_flock && rules.mocks.empty()) return Bytes{};
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) return Error::Internal("seccomp_init failed");
  return Export(ctx, AddSysRules(ctx, rules));
}

}  // namespace uid2::runtime
