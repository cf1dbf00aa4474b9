// Package sbom reads and writes software bills of materials: CycloneDX
// (JSON and XML, spec 1.0–1.7), SPDX 2.1–2.3 (JSON and tag-value) and the
// packages of SPDX 3.0 JSON-LD. It normalises every format to cra.SBOM,
// grades an SBOM against BSI TR-03183-2 and the CRA (Check), and exports
// CycloneDX 1.6 JSON and SPDX 2.3 JSON (Encode).
//
// The package wraps the format libraries (CycloneDX/cyclonedx-go,
// spdx/tools-golang, package-url/packageurl-go) and does no I/O of its own:
// it reads an io.Reader and writes an io.Writer. Every error it returns is a
// *cra.Error whose Message starts with the file name and, where the
// document gives one, the position (line and column, byte offset, or the
// element path such as components[12]) at fault.
//
// What each format yields and what is ignored:
//
//   - CycloneDX: metadata (serial number, timestamp, tools in both the 1.4
//     array form and the 1.5+ components/services form, authors, supplier,
//     the subject metadata.component), components recursively (nested ones
//     get Parent), the dependencies graph. Services, compositions,
//     vulnerabilities, formulation, annotations, properties, evidence and
//     pedigree are ignored. A document with vulnerabilities and no
//     components is a VEX document, not an SBOM, and is refused.
//   - SPDX 2.x: creation info, packages (the first described one becomes
//     the subject), checksums, the declared (else concluded) licence split
//     at its top-level ANDs, supplier, originator, purl and CPE external
//     references, and the DEPENDS_ON, DEPENDENCY_OF (and its typed
//     variants: DEV_, BUILD_ and TEST_ make the dependency's scope
//     "excluded", OPTIONAL_ "optional"), CONTAINS, CONTAINED_BY,
//     STATIC_LINK and DYNAMIC_LINK relationships. Files and snippets are
//     not components (one warning counts them); a file's relationships
//     count as those of the package that contains it. Relationships into
//     other documents (DocumentRef-…) are not followed.
//   - SPDX 3.0 JSON-LD: a minimal reader of the software profile:
//     software_Package (and its ai_AIPackage and dataset_DatasetPackage
//     subclasses) with name, version, purl (software_packageUrl or an
//     externalIdentifier of type packageUrl), CPE, supplier, originator,
//     verifiedUsing hashes, declared (else concluded) licence expressions,
//     and the dependsOn, contains, hasStaticLink, hasDynamicLink,
//     hasOptionalDependency and hasProvidedDependency relationships
//     (LifecycleScopedRelationship scopes map to component scopes; files
//     are lifted to their package as in SPDX 2). Files, snippets,
//     annotations, the security, build, AI and dataset profile properties,
//     licence texts, imported elements (ExternalMap) and namespace
//     prefixes are ignored.
package sbom
