import BatteryModel
import Foundation
import Testing

@Suite struct SummaryTests {
    @Test func statisticsSkipMissingValues() throws {
        let stat = try #require(CellStatistic(column: [13500, Measurement.missing, 13200, 13800]))
        #expect(stat.min == 13200)
        #expect(stat.minCell == 2)
        #expect(stat.max == 13800)
        #expect(stat.maxCell == 3)
        #expect(stat.count == 3)
        #expect(stat.mean == 13500)
    }

    @Test func allMissingHasNoStatistic() {
        #expect(CellStatistic(column: [Measurement.missing, Measurement.missing]) == nil)
        #expect(CellStatistic(column: []) == nil)
    }

    @Test func summaryCountsFlags() {
        var cells = CellColumns(count: 4)
        cells.voltage = [13600, 13610, 13590, 13620]
        cells.status = [[], .sensorNotAnswering, .balancing, [.balancing, .sensorNotAnswering]]
        let summary = StringSummary(cells: cells)
        #expect(summary.cellsWithSensorFault == 2)
        #expect(summary.cellsBalancing == 2)
        #expect(summary.statistics[.voltage]?.min == 13590)
        #expect(summary.statistics[.resistance] == nil)
    }
}
