/*
 * csd-run — plays the Alkali drive's part on a host:
 *
 *   csd-run firmware.o input.bin output.bin [--output-size N] [--budget N] [--extended]
 *
 * Loads the eBPF wrapper (an ELF object) into the Alkali-flavored VM, registers print and
 * the CSD runtime's helpers, runs it over the input (r1 = input, r2 = output, r3 = input
 * length) with the VTA simulator as the accelerator, and writes the output region to
 * output.bin. The output region is N bytes; by default exactly what the wrapper fills
 * (16 + records x output record size, HELPERS.md) when the input is a bundle followed by a
 * valid records header, else 4096 (one NVMe page). --budget bounds the eBPF instructions
 * executed (default 0: no limit).
 *
 * Exit status: 0 success; 1 the run failed (load error, VM error, helper error: the output
 * file is still written when the program ran); 2 bad usage or unreadable files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csd_host.h"
#include "vta_sim.h"

static void usage(void) {
  fprintf(stderr, "usage: csd-run firmware.o input.bin output.bin [--output-size N] "
                  "[--budget N] [--extended]\n"
                  "  --extended  simulate a VTA core with the extended ISA (ALU MUL, ACC_8BIT),\n"
                  "              as the upstream functional simulator has; the default is the\n"
                  "              Alkali board's stock core\n");
}

static int read_file(const char *path, uint8_t **data, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t cap = 1 << 16, n = 0;
  uint8_t *buf = malloc(cap);
  while (buf) {
    if (n == cap) {
      uint8_t *bigger = realloc(buf, cap *= 2);
      if (!bigger) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = bigger;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  int failed = ferror(f) || !buf;
  fclose(f);
  if (failed) {
    free(buf);
    return -1;
  }
  *data = buf;
  *size = n;
  return 0;
}

static int parse_u64(const char *s, unsigned long long *out) {
  char *end;
  errno = 0;
  if (!s || *s == '-' || !*s) return -1;
  *out = strtoull(s, &end, 0);
  return (errno || *end) ? -1 : 0;
}

int main(int argc, char **argv) {
  const char *paths[3];
  int npaths = 0;
  unsigned long long output_size = 0, budget = 0;
  int have_size = 0, extended = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--extended")) {
      extended = 1;
      continue;
    }
    if (!strcmp(argv[i], "--output-size") || !strcmp(argv[i], "--budget")) {
      unsigned long long v;
      if (i + 1 >= argc || parse_u64(argv[i + 1], &v)) {
        fprintf(stderr, "csd-run: %s needs a non-negative number\n", argv[i]);
        return 2;
      }
      if (argv[i][2] == 'o')
        output_size = v, have_size = 1;
      else
        budget = v;
      i++;
    } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      usage();
      return 0;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "csd-run: unknown option %s\n", argv[i]);
      usage();
      return 2;
    } else if (npaths < 3) {
      paths[npaths++] = argv[i];
    } else {
      usage();
      return 2;
    }
  }
  if (npaths != 3) {
    usage();
    return 2;
  }
  uint8_t *elf = NULL, *input = NULL;
  size_t elf_len = 0, input_len = 0;
  if (read_file(paths[0], &elf, &elf_len)) {
    fprintf(stderr, "csd-run: cannot read %s: %s\n", paths[0], strerror(errno));
    return 2;
  }
  if (read_file(paths[1], &input, &input_len)) {
    fprintf(stderr, "csd-run: cannot read %s: %s\n", paths[1], strerror(errno));
    free(elf);
    return 2;
  }
  if (!have_size) {
    output_size = csdrt_peek_output_size(input, input_len);
    if (!output_size) output_size = 4096;
  }
  if (output_size > (1ull << 31)) {
    fprintf(stderr, "csd-run: --output-size %llu is larger than 2 GiB\n", output_size);
    return 2;
  }
  uint8_t *output = calloc(1, output_size ? (size_t)output_size : 1);
  if (!output) {
    fprintf(stderr, "csd-run: no memory for a %llu-byte output\n", output_size);
    return 2;
  }
  csd_host_options o;
  csd_host_default_options(&o);
  o.budget = budget;
  if (extended) {
    /* The simulated device and the runtime's idea of it both get the extended profile. */
    VTASimConfig c;
    VTASimGetNextConfig(&c);
    c.profile = VTA_SIM_PROFILE_EXTENDED;
    VTASimSetNextConfig(&c);
    o.runtime.hardware.profile = 1;
  }
  csd_host_report report;
  char err[1024];
  int rc = csd_host_run_with(&o, elf, elf_len, input, input_len, output, (size_t)output_size,
                             &report, err, sizeof err);
  int status = 0;
  if (rc != CSD_HOST_OK) {
    fprintf(stderr, "csd-run: %s\n", err);
    status = 1;
  }
  /* The output region is written whenever the program ran, as the drive would return it. */
  if (rc == CSD_HOST_OK || rc == CSD_HOST_ERR_RUN || rc == CSD_HOST_ERR_HELPER) {
    FILE *f = fopen(paths[2], "wb");
    if (!f || fwrite(output, 1, (size_t)output_size, f) != output_size || fclose(f)) {
      fprintf(stderr, "csd-run: cannot write %s: %s\n", paths[2], strerror(errno));
      status = status ? status : 2;
    }
  }
  free(elf);
  free(input);
  free(output);
  return status;
}
