extension TemperatureFactor {
    /// IEEE Std 450 (2010), Table 1: the temperature-correction factor K_T of the time-adjusted
    /// method, by electrolyte temperature in °F (1.000 at 77 °F = 25 °C; above 1 when warm, since
    /// a warm battery runs longer and its result is marked down). The standard gives the rows in °F;
    /// they are kept so and converted. Checked against a published test tool's copy of the table
    /// (docs/analytics.md says which); a site with its manufacturer's table configures that instead.
    public static let ieee450: [TemperatureFactor] = [
        (40, 0.670), (45, 0.735), (50, 0.790), (55, 0.840), (60, 0.882), (65, 0.920), (66, 0.927), (67, 0.935), (68, 0.942),
        (69, 0.948), (70, 0.955), (71, 0.960), (72, 0.970), (73, 0.975), (74, 0.980), (75, 0.985), (76, 0.990), (77, 1.000),
        (78, 1.002), (79, 1.007), (80, 1.011), (81, 1.017), (82, 1.023), (83, 1.030), (84, 1.035), (85, 1.040), (86, 1.045),
        (87, 1.050), (88, 1.055), (89, 1.060), (90, 1.065), (95, 1.090), (100, 1.112), (105, 1.140), (110, 1.162), (115, 1.187),
        (120, 1.210),
    ].map { (f: Double, k: Double) in TemperatureFactor(celsius: (f - 32) * 5 / 9, factor: k) }
}
