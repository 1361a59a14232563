#pragma once
// Linux's nsfs (fs/nsfs.c) and proc's namespace links (fs/proc/namespaces.c): a namespace seen
// as a file. /proc/<pid>/ns/<kind> is a link that reads "<kind>:[<inode>]" and, when followed,
// lands on that namespace's inode of the internal nsfs mount (nd_jump_link); an open
// descriptor of it names the namespace for setns(2).
#include "fs/Mount.h"
#include "lib/ErrorOr.h"
#include "task/NsProxy.h"
#include "task/UserNamespace.h"

namespace kernel {

// One namespace of any kind Sprout has (Linux's ns_common): `type` is its CLONE_NEW* flag.
struct NsRef {
    int type{0};
    RefPtr<UtsNamespace> uts;
    RefPtr<PidNamespace> pid;
    RefPtr<UserNamespace> user;
    RefPtr<MntNamespace> mnt;
    RefPtr<IpcNamespace> ipc;
    RefPtr<TimeNamespace> time;

    uint32_t inum() const;
    StringView name() const;  // proc_ns_operations.name: "uts", "pid", "user", "mnt", "ipc", "time"
};

// ns_get_path: the namespace's inode on the nsfs mount (made on first use, never freed).
ErrorOr<Path> ns_get_path(const NsRef& ns);
// proc_ns_file + get_proc_ns: the namespace an open file is, or null for any other file.
const NsRef* ns_of_inode(const Inode& inode);

// setns(2): join the namespace a /proc/<pid>/ns file names (`nstype` 0 or its CLONE_NEW* flag,
// else EINVAL), or those of a pidfd's process that `nstype` names; Linux's EPERM and EINVAL
// rules per kind.
ErrorOr<long> sys_setns(int fd, int nstype);

}  // namespace kernel
