import ArgumentParser
import VTATarget

/// `vtac targets`: the hardware targets vtac can compile for.
struct TargetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "targets",
        abstract: "List the hardware targets (folders under Schedules/ or $VTAC_SCHEDULES).")

    func run() throws {
        try ErrorReporting.run {
            let loader = TargetLoader.standard
            for name in loader.availableTargets() {
                let target = try loader.load(name: name)
                print("\(name.padding(toLength: 8, withPad: " ", startingAt: 0))  \(target.summary)")
            }
        }
    }
}
