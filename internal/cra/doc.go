// Package cra is the domain core of cyra: the types, errors and pure rules
// of the EU Cyber Resilience Act (Regulation (EU) 2024/2847) as cyra models
// them, and the service and store interfaces the rest of the program is
// built around.
//
// The package imports the standard library only and performs no I/O. Read it
// first to learn the system: every other package either implements one of
// its interfaces (sqlstore, service) or adapts one of them to a transport
// (api, ui, cli).
package cra
