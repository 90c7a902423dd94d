import VTATarget

/// The manifest's record of the hardware a bundle was compiled for, and its way back to a
/// configuration: both directions live here so they cannot drift apart.
extension Vtac_Bundle_Hardware {
    public init(_ target: Target) {
        self.init()
        let c = target.config
        targetName = target.name
        hwVer = c.hardwareVersion
        logInpWidth = Int32(c.logInputWidth)
        logWgtWidth = Int32(c.logWeightWidth)
        logAccWidth = Int32(c.logAccumulatorWidth)
        logBatch = Int32(c.logBatch)
        logBlockIn = Int32(c.logBlockIn)
        logBlockOut = Int32(c.logBlockOut)
        logUopBuffSize = Int32(c.logUopBufferSize)
        logInpBuffSize = Int32(c.logInputBufferSize)
        logWgtBuffSize = Int32(c.logWeightBufferSize)
        logAccBuffSize = Int32(c.logAccumulatorBufferSize)
        profile = target.profile == .extended ? .extended : .stock
        clockMhz = target.clockMHz
        busWidthBits = Int32(target.busWidthBits)
    }

    /// The ISA profile the bundle's microcode uses.
    public var isaProfile: ISAProfile { profile == .extended ? .extended : .stock }

    /// The configuration the bundle's words are encoded for (refused if a field is out of range).
    public func hardwareConfig() throws(HardwareConfigError) -> HardwareConfig {
        try HardwareConfig(
            target: targetName, hardwareVersion: hwVer, logInputWidth: Int(logInpWidth),
            logWeightWidth: Int(logWgtWidth), logAccumulatorWidth: Int(logAccWidth), logBatch: Int(logBatch),
            logBlockIn: Int(logBlockIn), logBlockOut: Int(logBlockOut), logUopBufferSize: Int(logUopBuffSize),
            logInputBufferSize: Int(logInpBuffSize), logWeightBufferSize: Int(logWgtBuffSize),
            logAccumulatorBufferSize: Int(logAccBuffSize))
    }
}
