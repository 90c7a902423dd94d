import CSDRuntime
import CVTASim
import VTATarget

/// A hardware configuration in the C structs of the simulator and the runtime (same keys as
/// `vta_config.json`), written once for every command that drives them.
enum DeviceConfigs {
    static func simulator(_ c: HardwareConfig, extended: Bool) -> VTASimConfig {
        var s = VTASimConfig()
        s.LOG_INP_WIDTH = Int32(c.logInputWidth)
        s.LOG_WGT_WIDTH = Int32(c.logWeightWidth)
        s.LOG_ACC_WIDTH = Int32(c.logAccumulatorWidth)
        s.LOG_BATCH = Int32(c.logBatch)
        s.LOG_BLOCK_IN = Int32(c.logBlockIn)
        s.LOG_BLOCK_OUT = Int32(c.logBlockOut)
        s.LOG_UOP_BUFF_SIZE = Int32(c.logUopBufferSize)
        s.LOG_INP_BUFF_SIZE = Int32(c.logInputBufferSize)
        s.LOG_WGT_BUFF_SIZE = Int32(c.logWeightBufferSize)
        s.LOG_ACC_BUFF_SIZE = Int32(c.logAccumulatorBufferSize)
        s.profile = extended ? VTA_SIM_PROFILE_EXTENDED : VTA_SIM_PROFILE_STOCK
        return s
    }

    static func runtime(_ c: HardwareConfig, extended: Bool) -> VTAISAConfig {
        let s = simulator(c, extended: extended)
        return VTAISAConfig(
            LOG_INP_WIDTH: s.LOG_INP_WIDTH, LOG_WGT_WIDTH: s.LOG_WGT_WIDTH, LOG_ACC_WIDTH: s.LOG_ACC_WIDTH,
            LOG_BATCH: s.LOG_BATCH, LOG_BLOCK_IN: s.LOG_BLOCK_IN, LOG_BLOCK_OUT: s.LOG_BLOCK_OUT,
            LOG_UOP_BUFF_SIZE: s.LOG_UOP_BUFF_SIZE, LOG_INP_BUFF_SIZE: s.LOG_INP_BUFF_SIZE,
            LOG_WGT_BUFF_SIZE: s.LOG_WGT_BUFF_SIZE, LOG_ACC_BUFF_SIZE: s.LOG_ACC_BUFF_SIZE,
            profile: extended ? 1 : 0)
    }
}
