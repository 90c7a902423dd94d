/* Sums the input bytes, writes the sum to the output as 8 little-endian bytes, reports
 * it through the `report` helper (resolved by name) and returns it. */
extern unsigned long report(unsigned long value);

unsigned long entry(const unsigned char *in, unsigned char *out, unsigned long len) {
    unsigned long sum = 0;
    for (unsigned long i = 0; i < len; i++) sum += in[i];
    for (int b = 0; b < 8; b++) out[b] = (unsigned char)(sum >> (8 * b));
    report(sum);
    return sum;
}
