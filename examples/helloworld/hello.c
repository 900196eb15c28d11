/* helloworld: the smallest app to bundle, sign and run with `shroud run` (see README.md). */
#include <stdio.h>

int main(int argc, char** argv) {
  printf("Hello, world from %s inside shroud run!\n", argc > 0 ? argv[0] : "?");
  FILE* f = fopen("/dev/attestation/attestation_type", "r");
  char type[16] = "unavailable";
  if (f != NULL) {
    size_t n = fread(type, 1, sizeof(type) - 1, f);
    type[n] = '\0';
    fclose(f);
  }
  printf("attestation: %s\n", type);
  return 0;
}
