/* Every eBPF v1/v2 instruction form the Swift assembler emits, in the order
 * Tests/BundleTests/EBPFEncodingTests.swift lists them: its encodings must equal clang's
 * (build.sh: clang -target bpf -mcpu=v2 -c encodings.s). */
	.text
	.globl	entry
	.type	entry,@function
entry:
	/* ALU64: register, then immediate */
	r1 += r2
	r1 += -5
	r1 -= r2
	r1 -= 7
	r1 *= r2
	r1 *= 3
	r1 /= r2
	r1 /= 3
	r1 |= r2
	r1 |= 1879048192
	r1 &= r2
	r1 &= 255
	r1 <<= r2
	r1 <<= 3
	r1 >>= r2
	r1 >>= 3
	r1 %= r2
	r1 %= 10
	r1 ^= r2
	r1 ^= -1
	r1 = r2
	r1 = -2147483648
	r1 s>>= r2
	r1 s>>= 31
	r3 = -r3
	/* ALU: register, then immediate */
	w1 += w2
	w1 += -5
	w1 -= w2
	w1 -= 7
	w1 *= w2
	w1 *= 3
	w1 /= w2
	w1 /= 3
	w1 |= w2
	w1 |= 1879048192
	w1 &= w2
	w1 &= 255
	w1 <<= w2
	w1 <<= 3
	w1 >>= w2
	w1 >>= 3
	w1 %= w2
	w1 %= 10
	w1 ^= w2
	w1 ^= -1
	w1 = w2
	w1 = 7
	w1 s>>= w2
	w1 s>>= 31
	w3 = -w3
	/* byte swaps */
	r4 = le16 r4
	r4 = le32 r4
	r4 = le64 r4
	r4 = be16 r4
	r4 = be32 r4
	r4 = be64 r4
	/* 64-bit immediates (two slots) */
	r1 = 0x123456789abcdef0 ll
	r2 = -1 ll
	r0 = 0x80000000 ll
	/* loads, stores of a register, stores of an immediate */
	r5 = *(u8 *)(r6 + 1)
	r5 = *(u16 *)(r6 - 2)
	r5 = *(u32 *)(r6 + 4)
	r5 = *(u64 *)(r10 - 512)
	*(u8 *)(r7 + 3) = r8
	*(u16 *)(r7 + 2) = r8
	*(u32 *)(r7 - 4) = r8
	*(u64 *)(r10 - 8) = r8
	*(u8 *)(r9 + 1) = 7
	*(u16 *)(r9 + 2) = -1
	*(u32 *)(r9 + 4) = 100000
	*(u64 *)(r10 - 16) = 0
	/* jumps: unconditional, then each condition with a register and an immediate */
.Lback:
	goto .Lfwd
	if r1 == r2 goto .Lfwd
	if r9 == 5 goto .Lfwd
	if r1 > r2 goto .Lback
	if r9 > 5 goto .Lback
	if r1 >= r2 goto .Lfwd
	if r9 >= 5 goto .Lfwd
	if r1 & r2 goto .Lback
	if r9 & 5 goto .Lback
	if r1 != r2 goto .Lfwd
	if r9 != 5 goto .Lfwd
	if r1 s> r2 goto .Lback
	if r9 s> -5 goto .Lback
	if r1 s>= r2 goto .Lfwd
	if r9 s>= -5 goto .Lfwd
	if r1 < r2 goto .Lback
	if r9 < 5 goto .Lback
	if r1 <= r2 goto .Lfwd
	if r9 <= 5 goto .Lfwd
	if r1 s< r2 goto .Lback
	if r9 s< -5 goto .Lback
	if r1 s<= r2 goto .Lfwd
	if r9 s<= -5 goto .Lfwd
.Lfwd:
	call helper_a
	call helper_b
	call helper_a
	exit
.Lend:
	.size	entry, .Lend-entry
