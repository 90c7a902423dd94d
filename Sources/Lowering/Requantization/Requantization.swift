// Exact requantization of int32 accumulator tiles on VTA — the design and its proofs.
//
// Entry point: `RequantizationPlan(spec:target:)`; the rest of this folder is its machinery.
//
// 1. One affine rule per channel (ReferenceAnalysis.swift, AffineRule.swift)
//
//    TFLite's rules are monotone non-decreasing in the accumulator: double rounding is
//    SRDHM(acc·2^L, M) (M > 0, acc·2^L without overflow, refused otherwise) followed by a
//    rounding division, and FULLY_CONNECTED is round(fl(Double(acc)·s)) with fl and round
//    monotone. With the zero point and the clamp, the int8 output F is a staircase with at
//    most 255 steps, described by its values at the range's ends and its thresholds
//    T_v = min{acc : F(acc) ≥ v} (binary search on TFLiteArithmetic's reference).
//
//    The hardware evaluates, per channel c,
//        x = clamp(acc, T_(first+1) − 1, T_last)            (MAX/MIN: outside, F is constant)
//        y = floor((x·M + C + [x < 0]·D) / 2^N)              (then MAX/MIN if needed)
//    With M ≥ 0 and D ≤ M this is monotone; two monotone staircases that agree at every T_v
//    and T_v − 1 and at the ends agree everywhere, so exactness reduces to ~512 linear
//    constraints  v·2^N ≤ p·M + C + [p<0]·D ≤ (v+1)·2^N − 1  per channel. For fixed (N, M)
//    they give an interval for C (points p ≥ 0) and one for C + D (p < 0), hence for D.
//    - Double rounding is such a rule exactly: for shift = −R < 0,
//        MBQM(x) = floor((x·M + 2^30 + 2^(30+R) − [x<0]·2^31) / 2^(31+R)),
//      because floor(floor(a/2^31)/2^R) = floor(a/2^(31+R)) and [SRDHM < 0] = [x < 0]
//      wherever the difference matters (SRDHM = 0 gives 0 either way). The sign term is
//      essential: it moves the negative side's steps by 2^31/M ∈ (1, 2] accumulator units.
//    - FULLY_CONNECTED's double rounding in floating point (the product is rounded to 53 bits
//      before round-half-away) moves steps near ties; the constraints capture it exactly.
//    The search takes the smallest N with an exact M near s·2^N for every channel
//    (feasibility only grows with N: (2M, 2C, 2D, N+1) is the same rule), i.e. the fewest
//    bits of M, hence the fewest digits or limbs; C and D are chosen with the most trailing
//    zero bits (fewest digits, fewest column chunks). Channels may use different N: a common
//    N for the chain plus a per-lane extra shift (SHR by a vector of amounts).
//
// 2. Stock profile: gemm-digits (GemmDigitsRoute.swift, ColumnChain.swift)
//
//    Digits: u = x + δ is split with STORE (low 8 bits) and u_(j+1) = (u_j + 128) >> 8:
//    u_j + 128 = 256·u_(j+1) + ((u_j + 128) mod 256) and (u_j + 128) mod 256 = s_j + 128 for
//    s_j = trunc8(u_j) ∈ [−128, 127] (both ≡ u_j + 128 mod 256 and in [0, 255]), so
//    u_j = s_j + 256·u_(j+1); pure ADD/SHR, no subtraction. Near 2^31 the step is
//    ((u >> 1) + 64) >> 7 (same floor, no overflow). nA digits hold the clamped x.
//    Sign: with δ = −β, β = 128·(1 + 256 + … + 256^(nA−2)), the top digit of u is
//    floor(x / 256^(nA−1)) (the +128 carries cancel β), negative exactly when x is; σ =
//    top >> 8 ∈ {−1, 0} is stored as one more digit. (Or σ from a copy of x, SHR by 15.)
//    Products: GEMM with diagonal weight tiles, digit j ⊙ (M's balanced base-256 digit i, per
//    channel) into column i + j, σ ⊙ (digits of −D). |s_j·m_i| ≤ 2^14; a column holds at most
//    min(nA, nM) + nE products, so |P_w| < 2^17 — far from int32.
//    Chain: low columns carry up (SHR 8, ADD: V_w = P_w + floor(V_(w−1)/256), so |V_w| stays
//    below |P_w| + |C's chunk there| + 2^10),
//    columns above k = N/8 fold down into the tile Horner-style (SHR −8, ADD), where the
//    value is about Z/256^w ≤ |result|·2^(N−8w+1); C is added in chunks below 2^27 at
//    columns ≥ the lowest product column (C's part below it cannot reach the floor). The
//    interval analysis (RequantProgram.swift) proves every intermediate of every lane within
//    int32 for the layer's actual ranges, so wrap-around never happens and the hardware
//    computes the rule exactly; the planner also emulates the program at every constraint
//    point. Hazards: ALU steps are one micro-op looping over distinct tile vectors; products
//    are ordered (and split into several GEMMs if needed) so that no micro-op writes a
//    column either of the two before it wrote. One STORE per digit and one LOAD INP per chunk;
//    the INP area is double-buffered so the digit LOAD's only compute dependency is the one
//    through its STOREs.
//
// 3. Extended profile: mul-limbs (MulLimbsRoute.swift)
//
//    M in unsigned L-bit limbs (per-channel constant vectors); x unsplit when |x|·2^L < 2^31,
//    else split into L ≤ 15-bit limbs (x = 2^L·floor(x/2^L) + (x − 2^L·floor(x/2^L)), the
//    low limb in [0, 2^L) via MUL by the immediate −2^L). Each product x_j·m_i (copy, MUL) goes
//    to column i + j, the top one multiplies the tile in place; the same chain (radix 2^L)
//    finishes. σ = x shifted right by 15 until it is −1 or 0, times the chunks of −D (MUL).
//    L, the number of x limbs and N are chosen by the target's cycle model among the programs
//    the interval analysis proves.
//
// 4. What is refused (RequantizationError): a positive shift whose acc·2^shift overflows int32
//    within the accumulator bound (TFLite's reference is undefined there), a zero point whose
//    int32 addition overflows, negative or non-finite scales, BATCH > 1, BLOCK_IN ≠ BLOCK_OUT
//    on the stock route, and any rule no program evaluates without overflow.
