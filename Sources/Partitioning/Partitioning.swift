/// Stage 4 of the pipeline: placement of operators on VTA or the CPU (rules as data, with a
/// reason each), device annotation and propagation, `device_copy` insertion, VTA layouts, the
/// memory plan and the grouping of accelerator layers into segments (one device run each).
///
/// Not built yet: see the partitioning issue. The module exists so that the dependency graph of
/// the package already shows the architecture (GraphIR + VTATarget → Partitioning).
public enum Partitioning {}
