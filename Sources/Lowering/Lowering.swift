/// Stage 5 of the pipeline: lowering planned layers to VTA microcode (tiled LOAD/GEMM/ALU/STORE
/// with dependency tokens and exact requantization).
///
/// Not built yet: see the lowering issue. The module exists so that the dependency graph of the
/// package already shows the architecture (Partitioning + VTATarget → Lowering).
public enum Lowering {}
