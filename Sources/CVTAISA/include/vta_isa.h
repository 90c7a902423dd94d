/*
 * vta_isa.h — the VTA instruction set, written once in C: hardware configurations, the
 * instruction and micro-op layouts derived from them, and a bit-exact decoder/encoder.
 *
 * Used by the on-storage runtime (through vta_verify.h) and by the CVTASim functional
 * simulator. Plain C11, libc only, no allocation. Constants are macros and struct fields
 * plain fixed-width integers so that Swift imports them as ordinary integers.
 *
 * Layout rule (upstream hw_spec.h): instruction fields are C bit-fields of uint64_t and
 * micro-op fields bit-fields of uint32_t, declared in a fixed order, LSB first; a field
 * that would straddle a 64-bit (micro-op: 32-bit) boundary starts at the boundary instead.
 * Every width that depends on the configuration is derived here, never tabulated.
 */
#ifndef VTAC_VTA_ISA_H_
#define VTAC_VTA_ISA_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- configuration */

/* ISA profiles (a vtac notion, not a TVM key). STOCK: what the Xilinx HLS bitstream
 * builds. EXTENDED: adds ALU MUL and LOAD of ACC_8BIT (upstream functional simulator,
 * Intel OpenCL design). */
#define VTA_ISA_PROFILE_STOCK 0
#define VTA_ISA_PROFILE_EXTENDED 1

/* A hardware configuration: the keys of TVM's vta_config.json (LOG_BLOCK split into its
 * IN and OUT halves) plus the ISA profile. */
typedef struct {
  int32_t LOG_INP_WIDTH; /* 3: int8 inputs (the only width supported) */
  int32_t LOG_WGT_WIDTH; /* 3: int8 weights */
  int32_t LOG_ACC_WIDTH; /* 5: int32 accumulators */
  int32_t LOG_BATCH;
  int32_t LOG_BLOCK_IN;
  int32_t LOG_BLOCK_OUT;
  int32_t LOG_UOP_BUFF_SIZE; /* log2 of the SRAM size in bytes */
  int32_t LOG_INP_BUFF_SIZE;
  int32_t LOG_WGT_BUFF_SIZE;
  int32_t LOG_ACC_BUFF_SIZE;
  int32_t profile; /* VTA_ISA_PROFILE_* */
} VTAISAConfig;

/* The pynq / Alkali configuration (BATCH 1, BLOCK 16, 32/32/256/128 KiB), stock profile. */
void vta_isa_default_config(VTAISAConfig *out);

/* 0 if `cfg` is a configuration whose layouts the upstream bit-fields can represent
 * (int8 x int8 -> int32, every buffer 2^1..2^16 elements deep, every instruction kind
 * within 128 bits, the micro-op within 32); otherwise nonzero, with every reason found
 * written to `why` ("; "-separated; may be NULL). */
int vta_isa_check_config(const VTAISAConfig *cfg, char *why, size_t why_len);

/* ---------------------------------------------------------------- ISA constants */

#define VTA_ISA_OP_LOAD 0
#define VTA_ISA_OP_STORE 1
#define VTA_ISA_OP_GEMM 2
#define VTA_ISA_OP_FINISH 3
#define VTA_ISA_OP_ALU 4

#define VTA_ISA_ALU_MIN 0
#define VTA_ISA_ALU_MAX 1
#define VTA_ISA_ALU_ADD 2
#define VTA_ISA_ALU_SHR 3
#define VTA_ISA_ALU_MUL 4

/* Memory types (the memory_type field); the first four also index the SRAM buffers. */
#define VTA_ISA_MEM_UOP 0
#define VTA_ISA_MEM_WGT 1
#define VTA_ISA_MEM_INP 2
#define VTA_ISA_MEM_ACC 3
#define VTA_ISA_MEM_OUT 4
#define VTA_ISA_MEM_ACC_8BIT 5
#define VTA_ISA_MEM_TYPES 6

/* The three concurrently running modules. */
#define VTA_ISA_MODULE_LOAD 0
#define VTA_ISA_MODULE_COMPUTE 1
#define VTA_ISA_MODULE_STORE 2
#define VTA_ISA_MODULES 3

/* The four dependency-token queues. */
#define VTA_ISA_QUEUE_L2G 0 /* load -> compute */
#define VTA_ISA_QUEUE_G2L 1 /* compute -> load */
#define VTA_ISA_QUEUE_G2S 2 /* compute -> store */
#define VTA_ISA_QUEUE_S2G 3 /* store -> compute */
#define VTA_ISA_QUEUES 4

/* Fixed widths (upstream hw_spec_const.h); every other width derives from the config. */
#define VTA_ISA_W_OPCODE 3
#define VTA_ISA_W_MEMTYPE 3
#define VTA_ISA_W_SRAM_ADDR 16
#define VTA_ISA_W_DRAM_ADDR 32
#define VTA_ISA_W_SIZE 16
#define VTA_ISA_W_STRIDE 16
#define VTA_ISA_W_PAD 4
#define VTA_ISA_W_LOOP_ITER 14
#define VTA_ISA_W_ALU_OPCODE 3
#define VTA_ISA_W_IMM 16
#define VTA_ISA_INSN_BYTES 16
#define VTA_ISA_UOP_BYTES 4

/* Field indices of the layout tables, in upstream declaration order. The five header
 * fields are shared by every kind (FINISH has only those). */
#define VTA_ISA_F_OPCODE 0
#define VTA_ISA_F_POP_PREV 1
#define VTA_ISA_F_POP_NEXT 2
#define VTA_ISA_F_PUSH_PREV 3
#define VTA_ISA_F_PUSH_NEXT 4
#define VTA_ISA_F_COMMON_COUNT 5
/* LOAD / STORE (VTAMemInsn) */
#define VTA_ISA_FM_MEMTYPE 5
#define VTA_ISA_FM_SRAM 6
#define VTA_ISA_FM_DRAM 7
#define VTA_ISA_FM_YSIZE 8
#define VTA_ISA_FM_XSIZE 9
#define VTA_ISA_FM_XSTRIDE 10
#define VTA_ISA_FM_YPAD0 11
#define VTA_ISA_FM_YPAD1 12
#define VTA_ISA_FM_XPAD0 13
#define VTA_ISA_FM_XPAD1 14
#define VTA_ISA_FM_COUNT 15
/* GEMM (VTAGemInsn) */
#define VTA_ISA_FG_RESET 5
#define VTA_ISA_FG_UOP_BGN 6
#define VTA_ISA_FG_UOP_END 7
#define VTA_ISA_FG_ITER_OUT 8
#define VTA_ISA_FG_ITER_IN 9
#define VTA_ISA_FG_DST_FO 10
#define VTA_ISA_FG_DST_FI 11
#define VTA_ISA_FG_SRC_FO 12
#define VTA_ISA_FG_SRC_FI 13
#define VTA_ISA_FG_WGT_FO 14
#define VTA_ISA_FG_WGT_FI 15
#define VTA_ISA_FG_COUNT 16
/* ALU (VTAAluInsn) */
#define VTA_ISA_FA_RESET 5
#define VTA_ISA_FA_UOP_BGN 6
#define VTA_ISA_FA_UOP_END 7
#define VTA_ISA_FA_ITER_OUT 8
#define VTA_ISA_FA_ITER_IN 9
#define VTA_ISA_FA_DST_FO 10
#define VTA_ISA_FA_DST_FI 11
#define VTA_ISA_FA_SRC_FO 12
#define VTA_ISA_FA_SRC_FI 13
#define VTA_ISA_FA_OPCODE 14
#define VTA_ISA_FA_USE_IMM 15
#define VTA_ISA_FA_IMM 16
#define VTA_ISA_FA_COUNT 17
/* micro-op (VTAUop) */
#define VTA_ISA_FU_DST 0
#define VTA_ISA_FU_SRC 1
#define VTA_ISA_FU_WGT 2
#define VTA_ISA_FU_COUNT 3

/* Layout kinds for vta_isa_field_layout (same values as CVTASim's VTA_SIM_LAYOUT_*). */
#define VTA_ISA_LAYOUT_MEM 0
#define VTA_ISA_LAYOUT_GEMM 1
#define VTA_ISA_LAYOUT_ALU 2
#define VTA_ISA_LAYOUT_UOP 3
#define VTA_ISA_LAYOUT_FINISH 4

typedef struct {
  uint8_t offset, width;
} VTAISAField;

/* Everything derived from a VTAISAConfig. */
typedef struct {
  VTAISAConfig cfg;
  uint32_t batch, block_in, block_out;
  uint32_t inp_lanes; /* int8 lanes per INP element: BATCH*BLOCK_IN */
  uint32_t wgt_lanes; /* int8 lanes per WGT element: BLOCK_OUT*BLOCK_IN */
  uint32_t acc_lanes; /* int32 lanes per ACC element = int8 lanes per OUT element */
  /* DRAM bytes of one element, indexed by memory type (UOP..ACC_8BIT): the unit of
   * dram_base and x_stride. */
  uint32_t elem_bytes[VTA_ISA_MEM_TYPES];
  /* SRAM depths (elements) and their log2, indexed by UOP, WGT, INP, ACC. OUT and
   * ACC_8BIT address the ACC-deep buffer. */
  uint32_t depth[4];
  uint32_t log_depth[4];
  VTAISAField mem[VTA_ISA_FM_COUNT];
  VTAISAField gemm[VTA_ISA_FG_COUNT];
  VTAISAField alu[VTA_ISA_FA_COUNT];
  VTAISAField uop[VTA_ISA_FU_COUNT];
  /* Bits no field owns, as (bits 0-63, bits 64-127), per kind: LOAD/STORE, GEMM, ALU,
   * FINISH (indexed by VTA_ISA_LAYOUT_MEM, _GEMM, _ALU, and [3] for FINISH). */
  uint64_t reserved[4][2];
  /* Bits of the 32-bit micro-op no field owns. */
  uint32_t uop_reserved;
  /* Portable SHR amounts: the HLS design reads LOG_ACC_WIDTH signed bits (-16..15). */
  int32_t shift_min, shift_max;
} VTAISAArch;

/* Derive everything from `cfg`. 0 on success; otherwise nonzero with the reasons in `why`
 * (as vta_isa_check_config). */
int vta_isa_arch_init(VTAISAArch *arch, const VTAISAConfig *cfg, char *why, size_t why_len);

/* Where a named field sits (names: opcode, pop_prev, pop_next, push_prev,
 * push_next, memory_type, sram_base, dram_base, y_size, x_size, x_stride, y_pad_0,
 * y_pad_1, x_pad_0, x_pad_1; reset, uop_bgn, uop_end, iter_out, iter_in, dst_factor_out,
 * dst_factor_in, src_factor_out, src_factor_in, wgt_factor_out, wgt_factor_in,
 * alu_opcode, use_imm, imm; dst_idx, src_idx, wgt_idx; hw_spec.h's pop_prev_dep ...
 * push_next_dep and reset_reg are accepted too) in layout `kind`. 0 if found. */
int vta_isa_field_layout(const VTAISAArch *arch, int32_t kind, const char *name, uint32_t *offset,
                         uint32_t *width);

/* ---------------------------------------------------------------- instructions */

/* A decoded instruction: every field of its kind (fields of other kinds are 0). */
typedef struct {
  uint32_t index;  /* position in the stream (the caller's label) */
  uint8_t opcode;  /* raw 3-bit opcode */
  uint8_t module;  /* VTA_ISA_MODULE_* that executes it */
  uint8_t pop_prev, pop_next, push_prev, push_next;
  /* LOAD / STORE */
  uint8_t mem_type; /* raw 3-bit memory type */
  uint32_t sram_base, dram_base, y_size, x_size, x_stride, y_pad0, y_pad1, x_pad0, x_pad1;
  /* GEMM / ALU */
  uint8_t reset, alu_op, use_imm;
  uint32_t uop_bgn, uop_end, iter_out, iter_in;
  uint32_t dst_fo, dst_fi, src_fo, src_fi, wgt_fo, wgt_fi;
  int32_t imm; /* sign-extended */
} VTAISAInsn;

/* Problems vta_isa_decode reports (a bit mask; 0 = a valid instruction word). */
#define VTA_ISA_BAD_OPCODE 1u     /* opcode 5..7: nothing else is decoded */
#define VTA_ISA_BAD_MEM_TYPE 2u   /* LOAD/STORE memory type 6 or 7 */
#define VTA_ISA_BAD_ALU_OPCODE 4u /* ALU opcode 5..7 */
#define VTA_ISA_RESERVED_BITS 8u  /* bits no field of this kind owns are set */

/* Decode the 16 little-endian bytes at `word` with the layouts of `arch` into `out`
 * (`index` only labels it). Returns the VTA_ISA_* problems found; fields are decoded
 * even when a memory type, ALU opcode or reserved bit is wrong. Whether a problem is
 * fatal is the caller's policy (the verifier rejects all of them; the simulator, like
 * upstream, ignores reserved bits). */
uint32_t vta_isa_decode(const VTAISAArch *arch, const uint8_t *word, uint32_t index,
                        VTAISAInsn *out);

/* Encode `insn` (opcode, dependency bits and the fields of its kind; `index` and `module`
 * are ignored) into 16 little-endian bytes. Returns 0, or the field index (1 + the
 * VTA_ISA_F* index of the first value that does not fit) leaving `word` unspecified. */
int vta_isa_encode(const VTAISAArch *arch, const VTAISAInsn *insn, uint8_t *word);

/* The module that executes an instruction of this opcode / memory type. */
int vta_isa_module_of(uint32_t opcode, uint32_t mem_type);

/* Short name for messages: "LOAD INP", "STORE", "GEMM", "ALU SHR", "FINISH". */
const char *vta_isa_insn_name(const VTAISAInsn *insn);
/* "UOP", "WGT", "INP", "ACC", "OUT", "ACC_8BIT", "type6", "type7". */
const char *vta_isa_mem_type_name(uint32_t mem_type);
/* "l2g", "g2l", "g2s", "s2g"; "?" otherwise. */
const char *vta_isa_queue_name(int32_t queue);
/* "load", "compute", "store"; "?" otherwise. */
const char *vta_isa_module_name(int32_t module);

/* The queue a dependency bit of `module` names, or -1 where the module has none (load
 * has no previous module, store no next one). `flag`: 0 pop_prev, 1 pop_next,
 * 2 push_prev, 3 push_next. */
int vta_isa_queue_of(int32_t module, int32_t flag);

/* ---------------------------------------------------------------- micro-ops */

/* Unpack a 32-bit micro-op (reserved bits are ignored, as the hardware does). */
static inline void vta_isa_uop_fields(const VTAISAArch *a, uint32_t word, uint32_t *dst,
                                      uint32_t *src, uint32_t *wgt) {
  *dst = (word >> a->uop[VTA_ISA_FU_DST].offset) & ((1u << a->uop[VTA_ISA_FU_DST].width) - 1u);
  *src = (word >> a->uop[VTA_ISA_FU_SRC].offset) & ((1u << a->uop[VTA_ISA_FU_SRC].width) - 1u);
  *wgt = (word >> a->uop[VTA_ISA_FU_WGT].offset) & ((1u << a->uop[VTA_ISA_FU_WGT].width) - 1u);
}

/* Pack a micro-op; returns nonzero (leaving *word unchanged) if an index does not fit. */
int vta_isa_encode_uop(const VTAISAArch *a, uint32_t dst, uint32_t src, uint32_t wgt,
                       uint32_t *word);

#ifdef __cplusplus
}
#endif
#endif /* VTAC_VTA_ISA_H_ */
