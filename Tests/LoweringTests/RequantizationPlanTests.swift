import Lowering
import TFLiteArithmetic
import Testing
import VTATarget

/// The planner on its own: every plan's program, emulated lane by lane exactly as the
/// hardware computes (int32 wrap-around, VTA shifts, STORE truncation), equals TFLite's
/// reference at every output step of every channel and at random accumulators.
@Suite struct RequantizationPlanTests {
    @Test(arguments: ["alkali", "fsim", "cloud"], [false, true])
    func randomSpecifications(targetName: String, floatScale: Bool) throws {
        let target = try Target.load(name: targetName)
        var rng = RequantRNG(seed: floatScale ? 11 : 7)
        var routes: [String: Int] = [:]
        var refused: [String] = []
        for trial in 0..<12 {
            let channels = rng.int(1...40)
            let spec = RequantCases.spec(
                &rng, channels: channels, floatScale: floatScale, perChannel: trial % 3 != 0)
            let plan: RequantizationPlan
            do {
                plan = try RequantizationPlan(spec: spec, target: target)
            } catch {
                refused.append(error.description)
                continue
            }
            routes[plan.route, default: 0] += 1
            for c in 0..<channels {
                for acc in RequantCases.accumulators(spec, channel: c, random: 200, rng: &rng) {
                    let got = plan.emulate(Int32(acc), channel: c)
                    let expected = spec.reference(Int32(acc), channel: c)
                    if got != expected {
                        Issue.record(
                            "trial \(trial) \(plan.route) channel \(c) acc \(acc): \(got) ≠ \(expected)")
                        return
                    }
                }
            }
        }
        #expect(refused.isEmpty, "\(refused)")
        print("\(targetName) floatScale=\(floatScale): \(routes)")
    }
}
