package sbom_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cyra/internal/cra"
	"cyra/internal/sbom"
)

// corpusWant is what Parse must make of one corpus file: either a format,
// version and component counts, or a failure with a code and a text.
type corpusWant struct {
	format     cra.SBOMFormat
	version    string
	components int
	direct     int
	subject    string // the subject's name, "" for none
	fail       string // the error code when the file must be refused
	failText   string
}

// corpusWants lists every file of ../shared/data/sboms with what Parse must
// make of it. The counts were checked against the documents (CycloneDX
// components counted recursively, SPDX packages less the described one);
// a change in any of them is a regression or a deliberate change to
// record here.
//
// No file fails for being broken: every CycloneDX JSON file validates
// against the schema of the version it declares (1.2b, 1.3a, 1.4), every
// XML file parses under the namespace it declares, and every SPDX file
// reads with its declared version. The corpus' version/content problems
// are of another kind, noted where they matter below.
var corpusWants = map[string]corpusWant{
	"cyclonedx-bom-examples/SBOM/cern-lhc-vdm-editor-e564943/bom.json": {format: cra.FormatCycloneDXJSON, version: "1.2", components: 43, direct: 0, subject: "lhc-vdm-editor"},
	"cyclonedx-bom-examples/SBOM/cern-lhc-vdm-editor-e564943/bom.xml":  {format: cra.FormatCycloneDXXML, version: "1.2", components: 43, direct: 0, subject: "lhc-vdm-editor"},
	// The Maven plugin lists every module in dependencies but not the parent (the
	// subject), so the direct dependencies are unknown; so for keycloak.
	"cyclonedx-bom-examples/SBOM/dropwizard-1.3.15/bom.json":  {format: cra.FormatCycloneDXJSON, version: "1.2", components: 167, direct: 0, subject: "dropwizard-parent"},
	"cyclonedx-bom-examples/SBOM/dropwizard-1.3.15/bom.xml":   {format: cra.FormatCycloneDXXML, version: "1.2", components: 167, direct: 0, subject: "dropwizard-parent"},
	"cyclonedx-bom-examples/SBOM/juice-shop/v11.1.2/bom.json": {format: cra.FormatCycloneDXJSON, version: "1.2", components: 840, direct: 0, subject: "juice-shop"},
	"cyclonedx-bom-examples/SBOM/juice-shop/v11.1.2/bom.xml":  {format: cra.FormatCycloneDXXML, version: "1.2", components: 840, direct: 0, subject: "juice-shop"},
	"cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.json":    {format: cra.FormatCycloneDXJSON, version: "1.2", components: 903, direct: 0, subject: "keycloak-parent"},
	"cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.xml":     {format: cra.FormatCycloneDXXML, version: "1.2", components: 903, direct: 0, subject: "keycloak-parent"},
	// CycloneDX 1.1 has no metadata, so no subject.
	"cyclonedx-bom-examples/SBOM/laravel-7.12.0/bom.1.1.xml":                  {format: cra.FormatCycloneDXXML, version: "1.1", components: 62, direct: 0, subject: ""},
	"cyclonedx-bom-examples/SBOM/laravel-7.12.0/bom.1.2.json":                 {format: cra.FormatCycloneDXJSON, version: "1.2", components: 62, direct: 1, subject: "cyclonedx-php-composer-demo"},
	"cyclonedx-bom-examples/SBOM/laravel-7.12.0/bom.1.2.xml":                  {format: cra.FormatCycloneDXXML, version: "1.2", components: 62, direct: 1, subject: "cyclonedx-php-composer-demo"},
	"cyclonedx-bom-examples/SBOM/laravel-7.12.0/bom.1.3.json":                 {format: cra.FormatCycloneDXJSON, version: "1.3", components: 62, direct: 1, subject: "cyclonedx-php-composer-demo"},
	"cyclonedx-bom-examples/SBOM/laravel-7.12.0/bom.1.3.xml":                  {format: cra.FormatCycloneDXXML, version: "1.3", components: 62, direct: 1, subject: "cyclonedx-php-composer-demo"},
	"cyclonedx-bom-examples/SBOM/laravel-7.12.0/bom.1.4.json":                 {format: cra.FormatCycloneDXJSON, version: "1.4", components: 62, direct: 1, subject: "cyclonedx-php-composer-demo"},
	"cyclonedx-bom-examples/SBOM/laravel-7.12.0/bom.1.4.xml":                  {format: cra.FormatCycloneDXXML, version: "1.4", components: 62, direct: 1, subject: "cyclonedx-php-composer-demo"},
	"cyclonedx-bom-examples/SBOM/proton-bridge/proton-bridge-v1.6.3.bom.json": {format: cra.FormatCycloneDXJSON, version: "1.2", components: 201, direct: 56, subject: "github.com/ProtonMail/proton-bridge"},
	"cyclonedx-bom-examples/SBOM/proton-bridge/proton-bridge-v1.6.3.bom.xml":  {format: cra.FormatCycloneDXXML, version: "1.2", components: 201, direct: 56, subject: "github.com/ProtonMail/proton-bridge"},
	"cyclonedx-bom-examples/SBOM/proton-bridge/proton-bridge-v1.8.0.bom.json": {format: cra.FormatCycloneDXJSON, version: "1.2", components: 201, direct: 56, subject: "github.com/ProtonMail/proton-bridge"},
	"cyclonedx-bom-examples/SBOM/proton-bridge/proton-bridge-v1.8.0.bom.xml":  {format: cra.FormatCycloneDXXML, version: "1.2", components: 201, direct: 56, subject: "github.com/ProtonMail/proton-bridge"},
	"cyclonedx-bom-examples/SBOM/protonmail-webclient-v4-0912dff/bom.json":    {format: cra.FormatCycloneDXJSON, version: "1.2", components: 883, direct: 0, subject: "protonmail-web"},
	"cyclonedx-bom-examples/SBOM/protonmail-webclient-v4-0912dff/bom.xml":     {format: cra.FormatCycloneDXXML, version: "1.2", components: 883, direct: 0, subject: "protonmail-web"},
	// VEX documents: vulnerabilities and no components. They are valid CycloneDX,
	// but not SBOMs; importing one as a release's SBOM would empty its component
	// list, so Parse refuses them (correctly) with EUNSUPPORTED.
	"cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-1/vex-affected.json":                {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-1/vex-fixed.json":                   {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-1/vex-not_affected.json":            {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-1/vex-under_investigation.json":     {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-2/vex.json":                         {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-3/vex.json":                         {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-4/vex.json":                         {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-5/vex.json":                         {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-6/vex.json":                         {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-7/bom-1.json":                       {format: cra.FormatCycloneDXJSON, version: "1.4", components: 0, direct: 0, subject: "ABC"},
	"cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-7/bom-2.json":                       {format: cra.FormatCycloneDXJSON, version: "1.4", components: 0, direct: 0, subject: "JKL"},
	"cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-7/vex.json":                         {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-8/bom-1.json":                       {format: cra.FormatCycloneDXJSON, version: "1.4", components: 0, direct: 0, subject: "ABC"},
	"cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-8/bom-2.json":                       {format: cra.FormatCycloneDXJSON, version: "1.4", components: 0, direct: 0, subject: "JKL"},
	"cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-8/vex.json":                         {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-1/vex.json":                              {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-10/vex.json":                             {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-11/vex.json":                             {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-12/vex.json":                             {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-13/bom-1.json":                           {format: cra.FormatCycloneDXJSON, version: "1.4", components: 0, direct: 0, subject: "Acme Product 1"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-13/bom-2.json":                           {format: cra.FormatCycloneDXJSON, version: "1.4", components: 0, direct: 0, subject: "Acme Product 2"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-13/bom-3.json":                           {format: cra.FormatCycloneDXJSON, version: "1.4", components: 0, direct: 0, subject: "Acme Product 3"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-13/vex.json":                             {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-2/vex.json":                              {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-3/vex.json":                              {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-4/vex.json":                              {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-5/vex.json":                              {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-6/bom-1.json":                            {format: cra.FormatCycloneDXJSON, version: "1.4", components: 0, direct: 0, subject: "Acme Product 1"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-6/bom-2.json":                            {format: cra.FormatCycloneDXJSON, version: "1.4", components: 0, direct: 0, subject: "Acme Product 2"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-6/bom-3.json":                            {format: cra.FormatCycloneDXJSON, version: "1.4", components: 0, direct: 0, subject: "Acme Product 3"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-6/vex.json":                              {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-7/vex.json":                              {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-8/vex.json":                              {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-9/bom-1.json":                            {format: cra.FormatCycloneDXJSON, version: "1.4", components: 0, direct: 0, subject: "Acme Product 1"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-9/bom-2.json":                            {format: cra.FormatCycloneDXJSON, version: "1.4", components: 0, direct: 0, subject: "Acme Product 2"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-9/bom-3.json":                            {format: cra.FormatCycloneDXJSON, version: "1.4", components: 0, direct: 0, subject: "Acme Product 3"},
	"cyclonedx-bom-examples/VEX/Use-Cases/Case-9/vex.json":                              {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"cyclonedx-bom-examples/VEX/bom.json":                                               {format: cra.FormatCycloneDXJSON, version: "1.3", components: 3, direct: 0, subject: "example-app"},
	"cyclonedx-bom-examples/VEX/vex.json":                                               {fail: cra.EUNSUPPORTED, failText: "a CycloneDX VEX document"},
	"spdx-examples/presentations/OSS-NA-2023/SPDXVersion2.3/01-MinimalSBOM.json":        {format: cra.FormatSPDXJSON, version: "2.3", components: 0, direct: 0, subject: "tools-java"},
	"spdx-examples/presentations/OSS-NA-2023/SPDXVersion2.3/02-SBOMwSource.json":        {format: cra.FormatSPDXJSON, version: "2.3", components: 0, direct: 0, subject: "tools-java"},
	"spdx-examples/presentations/OSS-NA-2023/SPDXVersion2.3/03-SBOMwDependency.json":    {format: cra.FormatSPDXJSON, version: "2.3", components: 1, direct: 1, subject: "tools-java"},
	"spdx-examples/presentations/OSS-NA-2023/SPDXVersion2.3/04-SBOMwSecurity.json":      {format: cra.FormatSPDXJSON, version: "2.3", components: 1, direct: 1, subject: "tools-java"},
	"spdx-examples/presentations/OSS-NA-2023/SPDXVersion2.3/05-SBOMwSourceLicense.json": {format: cra.FormatSPDXJSON, version: "2.3", components: 0, direct: 0, subject: "tools-java"},
	"spdx-examples/presentations/SBOMS-SPDX-Now-and-Future/ACME-v2.3.spdx.json":         {format: cra.FormatSPDXJSON, version: "2.3", components: 3, direct: 3, subject: "Acme Applcation"},
	"spdx-examples/software/example1/spdx2.2/example1.spdx":                             {format: cra.FormatSPDXTagValue, version: "2.2", components: 0, direct: 0, subject: "hello"},
	"spdx-examples/software/example10/spdx2.3/hello-source.spdx.json":                   {format: cra.FormatSPDXJSON, version: "2.3", components: 0, direct: 0, subject: "hello"},
	"spdx-examples/software/example11/spdx2.3/sbom.spdx.json":                           {format: cra.FormatSPDXJSON, version: "2.3", components: 3, direct: 3, subject: "hello-server-src"},
	"spdx-examples/software/example12/spdx2.2/hello-dist.spdx.json":                     {format: cra.FormatSPDXJSON, version: "2.2", components: 0, direct: 0, subject: "hello"},
	"spdx-examples/software/example12/spdx2.2/hello-src.spdx.json":                      {format: cra.FormatSPDXJSON, version: "2.2", components: 0, direct: 0, subject: "hello"},
	"spdx-examples/software/example14/content/examplemaven-0.0.1.spdx.json":             {format: cra.FormatSPDXJSON, version: "2.3", components: 5, direct: 5, subject: "examplemaven"},
	"spdx-examples/software/example14/spdx2.3/examplemaven-0.0.1-enriched.spdx.json":    {format: cra.FormatSPDXJSON, version: "2.3", components: 5, direct: 5, subject: "examplemaven"},
	"spdx-examples/software/example2/spdx2.2/example2-bin.spdx":                         {format: cra.FormatSPDXTagValue, version: "2.2", components: 0, direct: 0, subject: "hello-bin"},
	"spdx-examples/software/example2/spdx2.2/example2-src.spdx":                         {format: cra.FormatSPDXTagValue, version: "2.2", components: 0, direct: 0, subject: "hello-src"},
	"spdx-examples/software/example3/spdx2.2/example3-bin.spdx":                         {format: cra.FormatSPDXTagValue, version: "2.2", components: 0, direct: 0, subject: "main-bin"},
	"spdx-examples/software/example3/spdx2.2/example3-src.spdx":                         {format: cra.FormatSPDXTagValue, version: "2.2", components: 0, direct: 0, subject: "main-src"},
	"spdx-examples/software/example4/spdx2.2/example4-bin.spdx":                         {format: cra.FormatSPDXTagValue, version: "2.2", components: 2, direct: 2, subject: "main-bin"},
	"spdx-examples/software/example4/spdx2.2/example4-src.spdx":                         {format: cra.FormatSPDXTagValue, version: "2.2", components: 0, direct: 0, subject: "main-src"},
	"spdx-examples/software/example5/spdx2.2/example5-bin.spdx":                         {format: cra.FormatSPDXTagValue, version: "2.2", components: 0, direct: 0, subject: "hello-go-bin"},
	"spdx-examples/software/example5/spdx2.2/example5-src.spdx":                         {format: cra.FormatSPDXTagValue, version: "2.2", components: 0, direct: 0, subject: "hello-go-src"},
	"spdx-examples/software/example6/spdx2.2/example6-bin.spdx":                         {format: cra.FormatSPDXTagValue, version: "2.2", components: 0, direct: 0, subject: "hello-go-bin"},
	"spdx-examples/software/example6/spdx2.2/example6-lib.spdx":                         {format: cra.FormatSPDXTagValue, version: "2.2", components: 4, direct: 4, subject: "go-1.15"},
	"spdx-examples/software/example6/spdx2.2/example6-src.spdx":                         {format: cra.FormatSPDXTagValue, version: "2.2", components: 0, direct: 0, subject: "hello-go-src"},
	"spdx-examples/software/example7/spdx2.2/example7-bin.spdx.json":                    {format: cra.FormatSPDXJSON, version: "2.2", components: 0, direct: 0, subject: "hello"},
	"spdx-examples/software/example7/spdx2.2/example7-go-module.spdx.json":              {format: cra.FormatSPDXJSON, version: "2.2", components: 0, direct: 0, subject: "example.com/hello"},
	"spdx-examples/software/example7/spdx2.2/example7-golang.spdx.json":                 {format: cra.FormatSPDXJSON, version: "2.2", components: 1, direct: 0, subject: "go1.16.4.linux-amd64"},
	"spdx-examples/software/example7/spdx2.2/example7-third-party-modules.spdx.json":    {format: cra.FormatSPDXJSON, version: "2.2", components: 2, direct: 0, subject: "golang.org/x/text"},
	"spdx-examples/software/example8/spdx2.3/examplemaven-0.0.1.spdx.json":              {format: cra.FormatSPDXJSON, version: "2.3", components: 5, direct: 5, subject: "examplemaven"},
	"spdx-examples/software/example9/spdx2.2/appbomination.spdx.json":                   {format: cra.FormatSPDXJSON, version: "2.2", components: 6, direct: 3, subject: "App-BOM-ination"},
	"spdx3-examples/ai/example01/spdx3.0/simplehtr-example.json":                        {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 12, direct: 9, subject: "SimpleHTR"},
	"spdx3-examples/ai/example02/spdx3.0/sbom.spdx3.json":                               {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 1, direct: 0, subject: "Sentiment Demo: A Simple AI Application and its AI BOM Example"},
	"spdx3-examples/dataset/example01/spdx3.0/example01.spdx3.json":                     {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 0, direct: 0, subject: "Our World in Data CO2 and Greenhouse Gas Emissions dataset"},
	"spdx3-examples/software/example1/spdx3.0/example1.json":                            {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 0, direct: 0, subject: "hello"},
	"spdx3-examples/software/example10/spdx3.0/hello-source.spdx3.json":                 {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 0, direct: 0, subject: "hello"},
	"spdx3-examples/software/example11/spdx3.0/sbom.spdx3.json":                         {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 3, direct: 3, subject: "hello-server-src"},
	"spdx3-examples/software/example12/spdx3.0/hello-dist.spdx3.json":                   {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 0, direct: 0, subject: "hello"},
	"spdx3-examples/software/example12/spdx3.0/hello-src.spdx3.json":                    {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 0, direct: 0, subject: "hello"},
	"spdx3-examples/software/example13/spdx3.0/example13.spdx3.json":                    {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 3, direct: 2, subject: "Acme Application"},
	// The same inverted hasDynamicLink direction as example8.
	"spdx3-examples/software/example14/spdx3.0/examplemaven-0.0.1-enriched.spdx3.json": {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 5, direct: 1, subject: "examplemaven"},
	"spdx3-examples/software/example3/spdx3.0/example3-bin.json":                       {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 0, direct: 0, subject: "main-bin"},
	"spdx3-examples/software/example3/spdx3.0/example3-src.json":                       {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 0, direct: 0, subject: "main-src"},
	"spdx3-examples/software/example4/spdx3.0/example4-bin.json":                       {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 2, direct: 2, subject: "main-bin"},
	"spdx3-examples/software/example4/spdx3.0/example4-src.json":                       {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 0, direct: 0, subject: "main-src"},
	"spdx3-examples/software/example5/spdx3.0/example5-bin.json":                       {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 0, direct: 0, subject: "hello-go-bin"},
	"spdx3-examples/software/example5/spdx3.0/example5-src.json":                       {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 0, direct: 0, subject: "hello-go-src"},
	"spdx3-examples/software/example6/spdx3.0/example6-bin.json":                       {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 0, direct: 0, subject: "hello-go-bin"},
	"spdx3-examples/software/example6/spdx3.0/example6-lib.json":                       {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 4, direct: 4, subject: "go-1.15"},
	"spdx3-examples/software/example6/spdx3.0/example6-src.json":                       {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 0, direct: 0, subject: "hello-go-src"},
	// Its root element is a file, not a package: no subject.
	"spdx3-examples/software/example7/spdx3.0/example7-bin.spdx3.json":                 {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 0, direct: 0, subject: ""},
	"spdx3-examples/software/example7/spdx3.0/example7-go-module.spdx3.json":           {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 0, direct: 0, subject: "example.com/hello"},
	"spdx3-examples/software/example7/spdx3.0/example7-golang.spdx3.json":              {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 0, direct: 0, subject: "go1.16.4.linux-amd64.tar.gz"},
	"spdx3-examples/software/example7/spdx3.0/example7-third-party-modules.spdx3.json": {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 1, direct: 0, subject: "golang.org/x/text"},
	// Only JUnit is direct: this SPDX 3 conversion points its four hasDynamicLink
	// relationships from the libraries to examplemaven, the reverse of the SPDX 2.3
	// original (example8/spdx2.3, "SPDXRef-example DYNAMIC_LINK …") and of the SPDX 3
	// definition ("from dynamically links in each to"): a corpus defect, read as written.
	"spdx3-examples/software/example8/spdx3.0/examplemaven-0.0.1.spdx3.json": {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 5, direct: 1, subject: "examplemaven"},
	"spdx3-examples/software/example9/spdx3.0/appbomination.spdx3.json":      {format: cra.FormatSPDX3JSONLD, version: "3.0.1", components: 6, direct: 5, subject: "App-BOM-ination"},
}

// TestCorpus parses every real SBOM of the shared corpus: each one parses
// with the expected format, version and counts, or fails with the expected
// *cra.Error, whose message names the file and the element at fault.
func TestCorpus(t *testing.T) {
	t.Parallel()
	root := corpusDir(t)
	seen := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		seen++
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		s, perr := sbom.Parse(rel, f, sbom.Options{})
		want, known := corpusWants[rel]
		if !known {
			t.Errorf("%s: not in corpusWants; add what Parse should make of it", rel)
		}
		if perr != nil {
			e := appError(t, perr, cra.ErrorCode(perr))
			if !strings.HasPrefix(e.Message, rel+": ") {
				t.Errorf("%s: the message does not start with the file name: %s", rel, e.Message)
			}
			t.Logf("%-90s refused: %s", rel, e.Message)
			if known && (want.fail != e.Code || !strings.Contains(e.Message, want.failText)) {
				t.Errorf("%s: got %s %q, want %s containing %q", rel, e.Code, e.Message, want.fail, want.failText)
			}
			return nil
		}
		direct := 0
		for _, c := range s.Components {
			if c.Direct {
				direct++
			}
		}
		subject := ""
		if s.Subject != nil {
			subject = s.Subject.Name
		}
		report := sbom.Check(s)
		t.Logf("%-90s %s %s: %d components (%d direct), %d graph nodes, subject %q, score %d, %d warnings",
			rel, s.Format, s.SpecVersion, len(s.Components), direct, len(s.Dependencies), subject, report.Score, len(s.Warnings))
		if !known {
			return nil
		}
		if want.fail != "" {
			t.Errorf("%s: parsed, want %s containing %q", rel, want.fail, want.failText)
			return nil
		}
		if s.Format != want.format || s.SpecVersion != want.version {
			t.Errorf("%s: format %s %s, want %s %s", rel, s.Format, s.SpecVersion, want.format, want.version)
		}
		if len(s.Components) != want.components || direct != want.direct || subject != want.subject {
			t.Errorf("%s: %d components, %d direct, subject %q; want %d, %d, %q",
				rel, len(s.Components), direct, subject, want.components, want.direct, want.subject)
		}
		for _, c := range s.Components {
			if c.Ref == "" {
				t.Errorf("%s: component %q has no ref", rel, c.Name)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != len(corpusWants) {
		t.Errorf("walked %d files, corpusWants lists %d", seen, len(corpusWants))
	}
}
