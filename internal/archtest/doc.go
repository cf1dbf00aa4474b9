// Package archtest holds the test that keeps cyra's package layering:
// dependencies point toward the domain package cra, never away from it.
package archtest
