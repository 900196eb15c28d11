/* sysprobe: the app of the host-signal and sys.* / loader.* tests (tests/runtime/sys_test.cc).
 *
 *   sysprobe signals OUTDIR   catch SIGTERM, SIGINT, SIGHUP and SIGUSR1: each creates
 *                             OUTDIR/got-<number> (SIGTERM also counts); print "ready"; then
 *                             wait: 1 s after the first SIGTERM exit with the number of SIGTERMs
 *                             caught minus one (0 = exactly one; a second one shows); exit 99
 *                             after 30 s
 *   sysprobe ids              print "uid=U gid=G euid=E egid=F groups=N"
 *   sysprobe limits           print "stack=SOFT nofile=SOFT aslr=on|off" (RLIMIT_* soft limits)
 *   sysprobe fork             fork(), posix_spawn() and a thread: "fork ok|ERRNO spawn ok|ERRNO
 *                             thread ok|ERRNO"
 *   sysprobe flock PATH       flock(LOCK_EX) on PATH (opened read-only): "flock ok|ERRNO"
 *   sysprobe mock             raw getpid and sched_yield: "getpid=N sched_yield=ok|ERRNO"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

static const char* g_outdir;
static volatile sig_atomic_t g_terms;

static void Caught(int sig) {
  char path[512];
  int n = snprintf(path, sizeof(path), "%s/got-%d", g_outdir, sig);
  if (n > 0 && (size_t)n < sizeof(path)) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) close(fd);
  }
  if (sig == SIGTERM) g_terms++;
}

static int Signals(const char* outdir) {
  g_outdir = outdir;
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = Caught;
  sigemptyset(&sa.sa_mask);
  int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1};
  for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) sigaction(sigs[i], &sa, NULL);
  printf("ready\n");
  fflush(stdout);
  struct timespec tick = {0, 10 * 1000 * 1000};
  for (int i = 0; i < 3000; i++) {
    if (g_terms > 0) {
      for (int j = 0; j < 100; j++) nanosleep(&tick, NULL);  // room for a second SIGTERM
      printf("drained terms=%d\n", (int)g_terms);
      return (int)g_terms - 1;
    }
    nanosleep(&tick, NULL);
  }
  return 99;
}

static const char* Err(int e) { return e == 0 ? "ok" : strerrorname_np(e); }

static void* Nothing(void* arg) { return arg; }

static int Fork(void) {
  pid_t pid = fork();
  int fork_err = pid < 0 ? errno : 0;
  if (pid == 0) _exit(0);
  if (pid > 0) waitpid(pid, NULL, 0);
  char* argv[] = {"/sysprobe", "ids", NULL};
  pid_t child;
  int spawn_err = posix_spawn(&child, "/sysprobe", NULL, NULL, argv, environ);
  if (spawn_err == 0) waitpid(child, NULL, 0);
  pthread_t t;
  int thread_err = pthread_create(&t, NULL, Nothing, NULL);
  if (thread_err == 0) pthread_join(t, NULL);
  printf("fork %s spawn %s thread %s\n", Err(fork_err), Err(spawn_err), Err(thread_err));
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 3 && strcmp(argv[1], "signals") == 0) return Signals(argv[2]);
  if (argc >= 2 && strcmp(argv[1], "ids") == 0) {
    printf("uid=%d gid=%d euid=%d egid=%d groups=%d\n", (int)getuid(), (int)getgid(),
           (int)geteuid(), (int)getegid(), getgroups(0, NULL));
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "limits") == 0) {
    struct rlimit stack, nofile;
    getrlimit(RLIMIT_STACK, &stack);
    getrlimit(RLIMIT_NOFILE, &nofile);
    int persona = personality(0xffffffff);
    printf("stack=%llu nofile=%llu aslr=%s\n", (unsigned long long)stack.rlim_cur,
           (unsigned long long)nofile.rlim_cur,
           persona >= 0 && (persona & ADDR_NO_RANDOMIZE) ? "off" : "on");
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "fork") == 0) return Fork();
  if (argc >= 3 && strcmp(argv[1], "flock") == 0) {
    int fd = open(argv[2], O_RDONLY);
    if (fd < 0) {
      printf("open %s\n", Err(errno));
      return 1;
    }
    printf("flock %s\n", Err(flock(fd, LOCK_EX) == 0 ? 0 : errno));
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "mock") == 0) {
    long pid = syscall(SYS_getpid);
    long y = syscall(SYS_sched_yield);
    printf("getpid=%ld sched_yield=%s\n", pid, Err(y == 0 ? 0 : errno));
    return 0;
  }
  fprintf(stderr, "usage: sysprobe signals OUTDIR | ids | limits | fork | flock PATH | mock\n");
  return 2;
}
