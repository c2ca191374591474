import JesterCore
import Foundation

let start = Date()
var columns = RatingColumns()
var rejections = RejectionTally()
let catalog = JokeCatalog(parsing: [UInt8](try! Data(contentsOf: URL(fileURLWithPath: "data/jester_items.dat"))))
let parser = RatingsParser(knownJokes: catalog.idSet)
for name in ["ratings-ds1.dat", "ratings-ds2-prefix.dat", "ratings-ds4.dat"] {
    let bytes = [UInt8](try! Data(contentsOf: URL(fileURLWithPath: "data/" + name)))
    let t0 = Date()
    parser.parse(bytes, source: name, into: &columns, rejections: &rejections)
    print(name, Date().timeIntervalSince(t0))
}
let t1 = Date()
let set = RatingSet(columns, extraJokes: catalog.ids)
print("store", Date().timeIntervalSince(t1), set.count, set.users.count, set.jokes.count, rejections.total)
let args = CommandLine.arguments
var options = FactorTrainingOptions()
if args.count > 1 { options.factors = Int(args[1])! }
if args.count > 2 { options.learningRate = Float(args[2])! }
if args.count > 3 { options.regularization = Float(args[3])! }
if args.count > 4 { options.learningRateDecay = Float(args[4])! }
var last = Date()
let outcome = FactorTrainer(options: options).train(on: set) { report in
    print(report, Date().timeIntervalSince(last)); last = Date()
}
print("mf best", outcome.bestEpoch, outcome.validationRMSE ?? -1)
