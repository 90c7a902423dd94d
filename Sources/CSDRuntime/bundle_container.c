/*
 * bundle_container.c — the .csd container (Sources/Bundle/BUNDLE_FORMAT.md), read without
 * trusting it: every rule BundleContainer.decode (Swift) checks, in the same order, so the
 * compiler and the drive refuse the same files for the same reasons.
 */
#include <string.h>

#include "rt_internal.h"

enum { HEADER_SIZE = 64, ENTRY_SIZE = 32, MAX_SECTIONS = 16, FORMAT_VERSION = 1 };

static const uint8_t kMagic[8] = {'V', 'T', 'A', 'C', 'C', 'S', 'D', 0};
static const char *const kKindNames[RT_SECTION_KINDS] = {"?",     "MANIFEST", "BPF_ELF",
                                                         "INSTRUCTIONS", "UOPS", "CONSTANTS"};

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

static int all_zero(const uint8_t *p, uint64_t n) {
  for (uint64_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

csdrt_status rt_container_parse(const uint8_t *file, size_t available, int exact,
                                rt_container *out, char *err, size_t err_len) {
  memset(out, 0, sizeof *out);
  if (!file) return rt_fail(err, err_len, CSDRT_ERR_ARGUMENT, "no bundle bytes");
  if (available < HEADER_SIZE)
    return rt_fail(err, err_len, CSDRT_ERR_TRUNCATED,
                   "%zu bytes is too short for a bundle header (%d bytes)", available, HEADER_SIZE);
  if (memcmp(file, kMagic, 8) != 0)
    return rt_fail(err, err_len, CSDRT_ERR_MAGIC, "not a vtac bundle (bad magic)");
  uint32_t version = le32(file + 8);
  if (version != FORMAT_VERSION)
    return rt_fail(err, err_len, CSDRT_ERR_VERSION,
                   "bundle format version %u is not supported (this runtime reads version %d)",
                   version, FORMAT_VERSION);
  if (le32(file + 12) != HEADER_SIZE)
    return rt_fail(err, err_len, CSDRT_ERR_CONTAINER, "header size %u is not %d", le32(file + 12),
                   HEADER_SIZE);
  if (rt_crc32(file, 36) != le32(file + 36))
    return rt_fail(err, err_len, CSDRT_ERR_CHECKSUM, "header checksum mismatch");
  uint32_t count = le32(file + 16);
  if (count < 1 || count > MAX_SECTIONS)
    return rt_fail(err, err_len, CSDRT_ERR_CONTAINER, "%u sections (1 to %d allowed)", count,
                   MAX_SECTIONS);
  uint64_t size = le64(file + 24);
  if (size > available)
    return rt_fail(err, err_len, CSDRT_ERR_TRUNCATED,
                   "the header says %llu bytes but only %zu are there: truncated",
                   (unsigned long long)size, available);
  if (exact && size != available)
    return rt_fail(err, err_len, CSDRT_ERR_CONTAINER,
                   "the header says %llu bytes but the file has %zu: padded",
                   (unsigned long long)size, available);
  uint64_t table_end = HEADER_SIZE + (uint64_t)ENTRY_SIZE * count;
  if (table_end > size)
    return rt_fail(err, err_len, CSDRT_ERR_TRUNCATED,
                   "the section table runs past the end of the file");
  if (rt_crc32(file + HEADER_SIZE, table_end - HEADER_SIZE) != le32(file + 32))
    return rt_fail(err, err_len, CSDRT_ERR_CHECKSUM, "section table checksum mismatch");

  uint64_t previous_end = table_end;
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *e = file + HEADER_SIZE + (uint64_t)ENTRY_SIZE * i;
    uint32_t kind = le32(e);
    if (kind < 1 || kind >= RT_SECTION_KINDS)
      return rt_fail(err, err_len, CSDRT_ERR_CONTAINER, "section %u has unknown kind %u", i, kind);
    const char *name = kKindNames[kind];
    uint64_t alignment = le32(e + 4), offset = le64(e + 8), length = le64(e + 16);
    if (alignment < 8 || alignment > 65536 || (alignment & (alignment - 1)))
      return rt_fail(err, err_len, CSDRT_ERR_CONTAINER,
                     "section %s has alignment %llu (a power of two from 8 to 65536)", name,
                     (unsigned long long)alignment);
    if (offset % alignment)
      return rt_fail(err, err_len, CSDRT_ERR_CONTAINER, "section %s at %llu is not %llu-aligned",
                     name, (unsigned long long)offset, (unsigned long long)alignment);
    if (offset < previous_end)
      return rt_fail(err, err_len, CSDRT_ERR_CONTAINER,
                     "section %s overlaps the table or the section before it", name);
    if (le32(e + 28) != 0)
      return rt_fail(err, err_len, CSDRT_ERR_CONTAINER, "section %s has nonzero reserved bits",
                     name);
    if (length > size || offset > size - length)
      return rt_fail(err, err_len, CSDRT_ERR_CONTAINER,
                     "section %s (%llu bytes at %llu) runs past the end of the file", name,
                     (unsigned long long)length, (unsigned long long)offset);
    if (out->section[kind].present)
      return rt_fail(err, err_len, CSDRT_ERR_CONTAINER, "section %s appears twice", name);
    if (rt_crc32(file + offset, length) != le32(e + 24))
      return rt_fail(err, err_len, CSDRT_ERR_CHECKSUM, "section %s checksum mismatch", name);
    if (!all_zero(file + previous_end, offset - previous_end))
      return rt_fail(err, err_len, CSDRT_ERR_CONTAINER,
                     "nonzero bytes in the padding before section %s", name);
    out->section[kind] = (rt_section){file + offset, length, 1};
    previous_end = offset + length;
  }
  if (previous_end != size)
    return rt_fail(err, err_len, CSDRT_ERR_CONTAINER, "bytes after the last section");
  if (le32(file + 20) != 0 || !all_zero(file + 40, 24))
    return rt_fail(err, err_len, CSDRT_ERR_CONTAINER, "nonzero flags or reserved header bytes");
  if (!out->section[RT_SECTION_MANIFEST].present)
    return rt_fail(err, err_len, CSDRT_ERR_CONTAINER, "the bundle has no MANIFEST section");
  out->file_size = size;
  return CSDRT_OK;
}
