/* probe: a small program the runtime tests run inside `shroud run` (built dynamic and static).
 *
 *   probe args                       print argv, one per line
 *   probe env                        print the environment, one per line
 *   probe cat PATH...                print each file, or "ERR open|read PATH: ERRNO_NAME"
 *   probe write PATH TEXT            create/overwrite PATH with TEXT
 *   probe reread PATH WAITFILE       read PATH, wait for WAITFILE to appear, read PATH again
 *                                    through the same descriptor and through a new open
 *   probe threads N                  start N threads; print "threads created=K errno=NAME"
 *   probe alloc MB [WAITFILE]        allocate and touch MB MiB; print "alloc ok" or "alloc failed";
 *                                    then wait for WAITFILE to appear (the app keeps running)
 *   probe fill [WAITFILE]            malloc 1 MiB blocks until one fails; print "filled N MiB"
 *   probe mmaploop N KB              N times mmap KB KiB, touch one page, munmap; print ns/iter
 *   probe mallocloop N               N malloc/free of 64 B .. 8 MiB blocks (16 live); print ns/iter
 *   probe attest HEX64 OUT           write user_report_data (hex), copy report and quote to
 *                                    OUT.report / OUT.quote
 *   probe keyctl                     ask for the session keyring's id (a syscall the app's
 *                                    seccomp filter denies); print "keyctl ok" or "keyctl ERRNO"
 *   probe readbench PATH             read PATH three times sequentially, print MB/s of each
 *                                    pass (and the open's time, and the reads' MB/s alone)
 *   probe do OP ARGS [, OP ARGS]...  file operations, in order, in one process, each printing
 *                                    one line ("OP ok ..." or "OP PATH: ERRNO_NAME"):
 *                                      setkey NAME HEX32 (16 raw bytes to
 * /dev/attestation/keys/NAME), getkey NAME, write PATH TEXT (create/truncate), writehex PATH HEX,
 *                                      append PATH TEXT (O_APPEND), pwrite PATH OFFSET TEXT,
 *                                      cat PATH, size PATH (stat), truncate PATH N, ftruncate PATH
 * N, mv FROM TO, rm PATH, mkdir PATH, ls DIR, wbench PATH MIB / rbench PATH (sequential, 1 MiB
 * blocks: MB/s) probe hold-listener CMD ARGS...  install a seccomp filter with a user-notification
 * listener (on acct(2), which nothing calls), keep the listener open and exec CMD: the kernel then
 * refuses any further listener below it (EBUSY), as a host without the feature would
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

static const char* ErrName(int e) {
  switch (e) {
    case EACCES:
      return "EACCES";
    case ENOENT:
      return "ENOENT";
    case EPERM:
      return "EPERM";
    case EAGAIN:
      return "EAGAIN";
    case ENOMEM:
      return "ENOMEM";
    case EINVAL:
      return "EINVAL";
    case EXDEV:
      return "EXDEV";
    case EIO:
      return "EIO";
    default:
      return strerror(e);
  }
}

static int ReadAll(int fd, int print) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) return -errno;
    if (n == 0) return 0;
    if (print) fwrite(buf, 1, (size_t)n, stdout);
  }
}

static int Cat(const char* path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("ERR open %s: %s\n", path, ErrName(errno));
    return 1;
  }
  int rc = ReadAll(fd, 1);
  close(fd);
  if (rc < 0) {
    printf("ERR read %s: %s\n", path, ErrName(-rc));
    return 1;
  }
  return 0;
}

static int Write(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    printf("ERR open %s: %s\n", path, ErrName(errno));
    return 1;
  }
  ssize_t n = write(fd, text, strlen(text));
  close(fd);
  printf(n == (ssize_t)strlen(text) ? "wrote %s\n" : "ERR write %s\n", path);
  return 0;
}

static int Reread(const char* path, const char* waitfile) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("first open: %s\n", ErrName(errno));
    return 1;
  }
  int rc = ReadAll(fd, 0);
  printf("first read: %s\n", rc == 0 ? "ok" : ErrName(-rc));
  fflush(stdout);
  struct stat st;
  for (int i = 0; i < 600 && stat(waitfile, &st) != 0; i++) usleep(50 * 1000);
  usleep(300 * 1000); /* let the change notification arrive */
  lseek(fd, 0, SEEK_SET);
  rc = ReadAll(fd, 0);
  printf("same fd read: %s\n", rc == 0 ? "ok" : ErrName(-rc));
  close(fd);
  fd = open(path, O_RDONLY);
  printf("second open: %s\n", fd >= 0 ? "ok" : ErrName(errno));
  if (fd >= 0) close(fd);
  return 0;
}

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static int g_release = 0;

static void* Park(void* arg) {
  (void)arg;
  pthread_mutex_lock(&g_mu);
  while (!g_release) pthread_cond_wait(&g_cv, &g_mu);
  pthread_mutex_unlock(&g_mu);
  return NULL;
}

static int Threads(int n) {
  pthread_t* t = calloc((size_t)n, sizeof(pthread_t));
  int created = 0, err = 0;
  for (int i = 0; i < n; i++) {
    err = pthread_create(&t[i], NULL, Park, NULL);
    if (err != 0) break;
    created++;
  }
  printf("threads created=%d errno=%s\n", created, err ? ErrName(err) : "0");
  fflush(stdout);
  pthread_mutex_lock(&g_mu);
  g_release = 1;
  pthread_cond_broadcast(&g_cv);
  pthread_mutex_unlock(&g_mu);
  for (int i = 0; i < created; i++) pthread_join(t[i], NULL);
  free(t);
  return 0;
}

static void WaitFor(const char* waitfile) {
  struct stat st;
  if (waitfile == NULL) return;
  fflush(stdout);
  for (int i = 0; i < 600 && stat(waitfile, &st) != 0; i++) usleep(50 * 1000);
  printf("waited for %s\n", waitfile);
}

/* Allocations are stored here so that the compiler cannot elide them (clang removes a malloc
 * whose result is only tested and freed, and assumes an unused malloc never fails). */
static void* volatile g_sink;

static int Alloc(long mb, const char* waitfile) {
  char* p = malloc((size_t)mb << 20);
  g_sink = p;
  if (p == NULL) {
    printf("alloc failed: %s\n", ErrName(errno));
    WaitFor(waitfile);
    return 1;
  }
  memset(p, 1, (size_t)mb << 20);
  printf("alloc ok\n");
  free(p);
  WaitFor(waitfile);
  return 0;
}

static int Fill(const char* waitfile) {
  long n = 0;
  while ((g_sink = malloc(1 << 20)) != NULL) n++; /* kept: the point is to run out */
  printf("filled %ld MiB then %s\n", n, ErrName(errno));
  WaitFor(waitfile);
  return 0;
}

static double Now(void);

static int MmapLoop(long n, long kb) {
  double t0 = Now();
  for (long i = 0; i < n; i++) {
    char* p =
        mmap(NULL, (size_t)kb << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      printf("mmap failed: %s\n", ErrName(errno));
      return 1;
    }
    p[0] = 1;
    munmap(p, (size_t)kb << 10);
  }
  printf("mmaploop %ld x %ld KiB: %.0f ns/iter\n", n, kb, (Now() - t0) * 1e9 / (double)n);
  return 0;
}

static int CopyFile(const char* from, const char* to) {
  int in = open(from, O_RDONLY);
  if (in < 0) {
    printf("ERR open %s: %s\n", from, ErrName(errno));
    return 1;
  }
  int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0) {
    printf("ERR open %s: %s\n", to, ErrName(errno));
    return 1;
  }
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof(buf))) > 0) {
    if (write(out, buf, (size_t)n) != n) return 1;
  }
  close(in);
  close(out);
  return n < 0;
}

static int Attest(const char* hex, const char* out) {
  unsigned char data[64] = {0};
  for (int i = 0; i < 64 && hex[2 * i] && hex[2 * i + 1]; i++) {
    sscanf(hex + 2 * i, "%2hhx", &data[i]);
  }
  int fd = open("/dev/attestation/user_report_data", O_WRONLY);
  if (fd < 0 || write(fd, data, sizeof(data)) != (ssize_t)sizeof(data) || close(fd) != 0) {
    printf("ERR user_report_data: %s\n", ErrName(errno));
    return 1;
  }
  char path[4096];
  snprintf(path, sizeof(path), "%s.report", out);
  if (CopyFile("/dev/attestation/report", path)) return 1;
  snprintf(path, sizeof(path), "%s.quote", out);
  if (CopyFile("/dev/attestation/quote", path)) return 1;
  printf("attest ok\n");
  return 0;
}

static double Now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int ReadBench(const char* path) {
  for (int pass = 1; pass <= 3; pass++) {
    double t0 = Now();
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
      printf("ERR open %s: %s\n", path, ErrName(errno));
      return 1;
    }
    double opened = Now() - t0;
    static char buf[1 << 20];
    long long total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0) total += n;
    close(fd);
    double dt = Now() - t0;
    printf("pass %d: %lld bytes in %.3f s = %.0f MB/s (open %.3f s, reads %.0f MB/s)\n", pass,
           total, dt, total / dt / 1e6, opened, total / (dt - opened) / 1e6);
  }
  return 0;
}

static int MallocLoop(long n) {
  char* live[16] = {0};
  double t0 = Now();
  for (long i = 0; i < n; i++) {
    size_t size = (size_t)64 << (i % 18);
    free(live[i % 16]);
    live[i % 16] = malloc(size);
    if (live[i % 16] == NULL) {
      printf("malloc failed: %s\n", ErrName(errno));
      return 1;
    }
    live[i % 16][0] = 1;
    g_sink = live[i % 16];
  }
  for (int i = 0; i < 16; i++) free(live[i]);
  printf("mallocloop %ld: %.0f ns/iter\n", n, (Now() - t0) * 1e9 / (double)n);
  return 0;
}

static int HoldListener(char** cmd) {
  struct sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_acct, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {sizeof(code) / sizeof(code[0]), code};
  long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
  /* The kernel makes it close-on-exec; it must outlive the exec (closing it lifts the refusal). */
  if (fd < 0 || fcntl((int)fd, F_SETFD, 0) != 0) {
    printf("hold-listener: %s\n", ErrName(errno));
    return 2;
  }
  execvp(cmd[0], cmd);
  printf("hold-listener: exec %s: %s\n", cmd[0], ErrName(errno));
  return 2;
}

static int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static size_t FromHex(const char* hex, unsigned char* out, size_t cap) {
  size_t n = 0;
  for (; hex[0] && hex[1] && n < cap; hex += 2)
    out[n++] = (unsigned char)(Hex(hex[0]) * 16 + Hex(hex[1]));
  return n;
}

static int WriteAt(const char* op, const char* path, int flags, off_t off, const void* data,
                   size_t len) {
  int fd = open(path, flags, 0644);
  if (fd < 0) {
    printf("%s %s: %s\n", op, path, ErrName(errno));
    return 1;
  }
  ssize_t n = off < 0 ? write(fd, data, len) : pwrite(fd, data, len, off);
  int e = errno;
  int c = close(fd);
  if (n != (ssize_t)len || c != 0) {
    printf("%s %s: %s\n", op, path, ErrName(n != (ssize_t)len ? e : errno));
    return 1;
  }
  printf("%s ok %s\n", op, path);
  return 0;
}

/* One operation of `probe do`; argv[0] is its name. Returns 0 or 1. */
static int DoOp(int argc, char** argv) {
  const char* op = argv[0];
  const char* path = argc > 1 ? argv[1] : "";
  if (strcmp(op, "setkey") == 0 && argc == 3) {
    unsigned char key[16];
    char file[256];
    snprintf(file, sizeof(file), "/dev/attestation/keys/%s", argv[1]);
    return WriteAt(op, file, O_WRONLY, -1, key, FromHex(argv[2], key, sizeof(key)));
  }
  if (strcmp(op, "getkey") == 0 && argc == 2) {
    char file[256];
    unsigned char key[64];
    snprintf(file, sizeof(file), "/dev/attestation/keys/%s", argv[1]);
    int fd = open(file, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, key, sizeof(key));
    if (n < 0) {
      printf("getkey %s: %s\n", argv[1], ErrName(errno));
      return 1;
    }
    close(fd);
    printf("getkey ok %s ", argv[1]);
    for (ssize_t i = 0; i < n; i++) printf("%02x", key[i]);
    printf("\n");
    return 0;
  }
  if (strcmp(op, "write") == 0 && argc == 3) {
    return WriteAt(op, path, O_WRONLY | O_CREAT | O_TRUNC, -1, argv[2], strlen(argv[2]));
  }
  if (strcmp(op, "writehex") == 0 && argc == 3) {
    size_t cap = strlen(argv[2]) / 2 + 1;
    unsigned char* data = malloc(cap);
    size_t n = FromHex(argv[2], data, cap);
    int rc = WriteAt(op, path, O_WRONLY | O_CREAT | O_TRUNC, -1, data, n);
    free(data);
    return rc;
  }
  if (strcmp(op, "append") == 0 && argc == 3) {
    return WriteAt(op, path, O_WRONLY | O_CREAT | O_APPEND, -1, argv[2], strlen(argv[2]));
  }
  if (strcmp(op, "pwrite") == 0 && argc == 4) {
    return WriteAt(op, path, O_WRONLY, atol(argv[2]), argv[3], strlen(argv[3]));
  }
  if (strcmp(op, "cat") == 0 && argc == 2) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
      printf("cat %s: %s\n", path, ErrName(errno));
      return 1;
    }
    printf("cat ok %s [", path);
    int rc = ReadAll(fd, 1);
    close(fd);
    printf("]\n");
    if (rc < 0) printf("cat %s: read: %s\n", path, ErrName(-rc));
    return rc < 0;
  }
  if (strcmp(op, "size") == 0 && argc == 2) {
    struct stat st;
    if (stat(path, &st) != 0) {
      printf("size %s: %s\n", path, ErrName(errno));
      return 1;
    }
    printf("size ok %s %lld\n", path, (long long)st.st_size);
    return 0;
  }
  if (strcmp(op, "truncate") == 0 && argc == 3) {
    if (truncate(path, atol(argv[2])) != 0) {
      printf("truncate %s: %s\n", path, ErrName(errno));
      return 1;
    }
    printf("truncate ok %s\n", path);
    return 0;
  }
  if (strcmp(op, "ftruncate") == 0 && argc == 3) {
    int fd = open(path, O_WRONLY);
    if (fd < 0 || ftruncate(fd, atol(argv[2])) != 0 || close(fd) != 0) {
      printf("ftruncate %s: %s\n", path, ErrName(errno));
      return 1;
    }
    printf("ftruncate ok %s\n", path);
    return 0;
  }
  if (strcmp(op, "mv") == 0 && argc == 3) {
    if (rename(path, argv[2]) != 0) {
      printf("mv %s: %s\n", path, ErrName(errno));
      return 1;
    }
    printf("mv ok %s %s\n", path, argv[2]);
    return 0;
  }
  if (strcmp(op, "rm") == 0 && argc == 2) {
    if (unlink(path) != 0) {
      printf("rm %s: %s\n", path, ErrName(errno));
      return 1;
    }
    printf("rm ok %s\n", path);
    return 0;
  }
  if (strcmp(op, "mkdir") == 0 && argc == 2) {
    if (mkdir(path, 0755) != 0) {
      printf("mkdir %s: %s\n", path, ErrName(errno));
      return 1;
    }
    printf("mkdir ok %s\n", path);
    return 0;
  }
  if (strcmp(op, "ls") == 0 && argc == 2) {
    DIR* d = opendir(path);
    if (d == NULL) {
      printf("ls %s: %s\n", path, ErrName(errno));
      return 1;
    }
    printf("ls ok %s", path);
    struct dirent* e;
    while ((e = readdir(d)) != NULL) {
      if (e->d_name[0] != '.') printf(" %s", e->d_name);
    }
    closedir(d);
    printf("\n");
    return 0;
  }
  if (strcmp(op, "interleave") == 0 && argc == 3) {
    char before[256] = {0}, during[256] = {0}, after[256] = {0};
    size_t len = strlen(argv[2]);
    int a = open(path, O_RDONLY);
    ssize_t n1 = a < 0 ? -1 : pread(a, before, sizeof(before) - 1, 0);
    int b = open(path, O_WRONLY);
    ssize_t w = b < 0 ? -1 : pwrite(b, argv[2], len, 0);
    ssize_t n2 = pread(a, during, sizeof(during) - 1, 0);
    int c = b < 0 ? -1 : close(b);
    ssize_t n3 = pread(a, after, sizeof(after) - 1, 0);
    if (n1 < 0 || w != (ssize_t)len || n2 < 0 || c != 0 || n3 < 0) {
      printf("interleave %s: %s\n", path, ErrName(errno));
      return 1;
    }
    close(a);
    printf("interleave ok %s [%s] [%s] [%s]\n", path, before, during, after);
    return 0;
  }
  if (strcmp(op, "atomic") == 0 && argc == 3) {
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t len = strlen(argv[2]);
    if (fd < 0 || write(fd, argv[2], len) != (ssize_t)len || fchmod(fd, 0640) != 0 ||
        fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
      printf("atomic %s: %s\n", path, ErrName(errno));
      return 1;
    }
    printf("atomic ok %s\n", path);
    return 0;
  }
  if (strcmp(op, "mmapcat") == 0 && argc == 2) {
    int fd = open(path, O_RDONLY);
    struct stat st;
    void* p = MAP_FAILED;
    if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0) {
      p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    }
    if (p == MAP_FAILED) {
      printf("mmapcat %s: %s\n", path, ErrName(errno));
      return 1;
    }
    printf("mmapcat ok %s [", path);
    fwrite(p, 1, (size_t)st.st_size, stdout);
    printf("]\n");
    munmap(p, (size_t)st.st_size);
    close(fd);
    return 0;
  }
  if (strcmp(op, "mmapwrite") == 0 && argc == 4) {
    int fd = open(path, O_RDWR);
    struct stat st;
    char* p = MAP_FAILED;
    size_t off = (size_t)atol(argv[2]), len = strlen(argv[3]);
    if (fd >= 0 && fstat(fd, &st) == 0 && off + len <= (size_t)st.st_size) {
      p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    }
    if (p == MAP_FAILED) {
      printf("mmapwrite %s: %s\n", path, ErrName(errno));
      return 1;
    }
    memcpy(p + off, argv[3], len);
    int rc = msync(p, (size_t)st.st_size, MS_SYNC);
    munmap(p, (size_t)st.st_size);
    if (rc != 0 || close(fd) != 0) {
      printf("mmapwrite %s: %s\n", path, ErrName(errno));
      return 1;
    }
    printf("mmapwrite ok %s\n", path);
    return 0;
  }
  if (strcmp(op, "wbench") == 0 && argc == 3) {
    long mib = atol(argv[2]);
    char* block = malloc(1 << 20);
    memset(block, 0x5a, 1 << 20);
    double t0 = Now();
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    for (long i = 0; fd >= 0 && i < mib; i++) {
      if (write(fd, block, 1 << 20) != 1 << 20) {
        printf("wbench %s: %s\n", path, ErrName(errno));
        return 1;
      }
    }
    if (fd < 0 || close(fd) != 0) {
      printf("wbench %s: %s\n", path, ErrName(errno));
      return 1;
    }
    free(block);
    printf("wbench ok %s %.1f MB/s\n", path, (double)mib * 1.048576 / (Now() - t0));
    return 0;
  }
  if (strcmp(op, "rbench") == 0 && argc == 2) {
    char* block = malloc(1 << 20);
    double t0 = Now();
    int fd = open(path, O_RDONLY);
    long long total = 0;
    ssize_t n = 0;
    while (fd >= 0 && (n = read(fd, block, 1 << 20)) > 0) total += n;
    if (fd < 0 || n < 0) {
      printf("rbench %s: %s\n", path, ErrName(errno));
      return 1;
    }
    close(fd);
    free(block);
    printf("rbench ok %s %.1f MB/s (%lld bytes)\n", path, (double)total / 1e6 / (Now() - t0),
           total);
    return 0;
  }
  printf("%s: bad operation or arguments\n", op);
  return 1;
}

int main(int argc, char** argv) {
  if (argc >= 3 && strcmp(argv[1], "do") == 0) {
    int rc = 0;
    for (int i = 2; i < argc;) {
      int j = i;
      while (j < argc && strcmp(argv[j], ",") != 0) j++;
      rc |= DoOp(j - i, argv + i);
      fflush(stdout);
      i = j + 1;
    }
    return rc;
  }
  if (argc >= 3 && strcmp(argv[1], "hold-listener") == 0) return HoldListener(argv + 2);
  if (argc >= 2 && strcmp(argv[1], "args") == 0) {
    for (int i = 0; i < argc; i++) printf("%s\n", argv[i]);
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "env") == 0) {
    for (char** e = environ; *e; e++) printf("%s\n", *e);
    return 0;
  }
  if (argc >= 3 && strcmp(argv[1], "cat") == 0) {
    int rc = 0;
    for (int i = 2; i < argc; i++) rc |= Cat(argv[i]);
    return rc;
  }
  if (argc == 4 && strcmp(argv[1], "write") == 0) return Write(argv[2], argv[3]);
  if (argc == 4 && strcmp(argv[1], "reread") == 0) return Reread(argv[2], argv[3]);
  if (argc == 3 && strcmp(argv[1], "threads") == 0) return Threads(atoi(argv[2]));
  if ((argc == 3 || argc == 4) && strcmp(argv[1], "alloc") == 0) {
    return Alloc(atol(argv[2]), argc == 4 ? argv[3] : NULL);
  }
  if ((argc == 2 || argc == 3) && strcmp(argv[1], "fill") == 0) {
    return Fill(argc == 3 ? argv[2] : NULL);
  }
  if (argc == 3 && strcmp(argv[1], "mallocloop") == 0) return MallocLoop(atol(argv[2]));
  if (argc == 4 && strcmp(argv[1], "mmaploop") == 0) return MmapLoop(atol(argv[2]), atol(argv[3]));
  if (argc == 4 && strcmp(argv[1], "attest") == 0) return Attest(argv[2], argv[3]);
  if (argc == 3 && strcmp(argv[1], "readbench") == 0) return ReadBench(argv[2]);
  if (argc == 3 && strcmp(argv[1], "exit") == 0) return atoi(argv[2]);
  if (argc == 2 && strcmp(argv[1], "keyctl") == 0) {
    long id = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 1);
    printf("keyctl %s\n", id >= 0 ? "ok" : ErrName(errno));
    return 0;
  }
  printf("probe: no argv[1] (got %d arguments)\n", argc);
  return argc == 1 ? 0 : 2;
}
