//go:build !race

package sbom_test

// raceEnabled is set when the tests run with -race.
const raceEnabled = false
