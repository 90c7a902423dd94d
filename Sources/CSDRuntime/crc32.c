/*
 * crc32.c — CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum zlib.crc32
 * and the bundle writer (Sources/Bundle/CRC32.swift) compute.
 */
#include "rt_internal.h"

uint32_t rt_crc32(const uint8_t *data, uint64_t size) {
  /* Built per call (2,048 steps, nothing next to a bundle's bytes) so that no shared
   * state needs a lock. */
  uint32_t table[256];
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  uint32_t crc = 0xFFFFFFFFu;
  for (uint64_t i = 0; i < size; i++) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}
