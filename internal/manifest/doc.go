// Package manifest reads a product manifest, the file behind
// "cyra apply -f products.yaml", into a cra.ApplyDocument, and maps the
// field paths of that document back to lines of the file so that every
// problem names the file, the line and the field:
//
//	products.yaml:12: products[0].releases[1].support_end: "2031-13" is not a month; write it as YYYY-MM, for example 2031-12.
//
// A manifest is YAML or JSON; JSON is valid YAML, so one parser reads
// both. Keys are snake_case. A complete example:
//
//	products:
//	  - name: Nordlicht Gateway              # required (checked when applied)
//	    model: NG-100
//	    sku: NG-100-EU
//	    description: An industrial IoT gateway for building automation.
//	    intended_purpose: Connects field buses to the building management cloud.
//	    foreseeable_use: Installed in plant rooms by trained electricians.
//	    foreseeable_misuse: Exposed directly to the internet without a firewall.
//	    operating_environment: Indoor, DIN rail, 24 V DC.
//	    remote_data_processing: true
//	    rdp_description: Cloud API for remote management
//	    operator_role: manufacturer          # manufacturer | importer | distributor | authorised-representative | open-source-steward
//	    licensing: proprietary               # proprietary | foss-commercial | foss-non-commercial
//	    member_states: [DE, FR, AT]
//	    team: Platform
//	    lifecycle: on-market                 # in-development | on-market | end-of-support | withdrawn
//	    scope:                               # optional; question id: true or false
//	      data_connection: true
//	      medical_device: false
//	      in_vitro_diagnostic: false
//	      vehicle_type_approval: false
//	      civil_aviation: false
//	      marine_equipment: false
//	      spare_part: false
//	      national_security: false
//	      pure_service: false
//	      non_commercial_foss: false
//	    classification:                      # optional
//	      category: I-12
//	      rationale: Its core functionality is routing traffic between networks.
//	      standards: none                    # full | partial | none
//	      tech_doc_public: false
//	    releases:
//	      - version: "1.0.0"
//	        release_date: 2026-01-10         # YYYY-MM-DD
//	        placed_on_market: 2026-02-01     # YYYY-MM-DD; omit while not on the market
//	        support_end: 2031-02             # YYYY-MM, the last month of support
//	        short_support_justification: ""
//	        substantial_modification: false
//	        modification_reason: ""
//	        security_update: false
//	        status: released                 # planned | released | withdrawn
//	        components:                      # releases of other products, by name and version
//	          - product: Crypto library
//	            version: 3.1.0
//	  - name: Crypto library
//	    licensing: foss-commercial
//	    releases:
//	      - version: 3.1.0
//	        release_date: 2025-11-03
//	        status: released
//
// The same manifest as JSON starts {"products": [{"name": "Nordlicht
// Gateway", ...}]}.
//
// Parse checks syntax and types only; the rules of the domain (a required
// name, the values an enumeration takes, a support period of five years)
// are checked by the service when the document is applied, and its errors,
// keyed by the same paths, get their lines from Locator.Annotate. The
// syntax is strict, because a manifest is applied to compliance records and
// a typo must not pass unnoticed:
//
//   - An unknown key is an error, with a suggestion when it is close to a
//     known one ("relase_date": did you mean "release_date"?). So is a
//     scope question id that cyra does not ask, and a key given twice.
//   - A text field takes any scalar exactly as it is written: version: 1.10
//     is the text "1.10", not the number 1.1. A list or mapping is an
//     error.
//   - A yes/no field takes true or false only (YAML 1.2 also allows True
//     and TRUE); "yes", "on", 1 and the quoted "true" are errors.
//   - Dates are YYYY-MM-DD and months YYYY-MM, quoted or not.
//   - null, or a key without a value, is the same as leaving the key out;
//     in scope it leaves the question unanswered. An empty text date or
//     month ("") is unset too.
//   - A manifest is one document. Anchors and aliases (& and *), merge keys
//     (<<), and tags other than the standard ones (!!str, !!int, ...) are
//     refused: a manifest has no need for them and they are the stuff of
//     "billion laughs" attacks.
//   - A manifest is at most MaxSize bytes, nests at most 32 levels, and
//     lists at most 10,000 products, 10,000 releases per product, 10,000
//     components per release and 100 Member States per product.
//
// Problems are reported as one *cra.Error with Code cra.EINVALID whose
// Fields map each field path to a message beginning "line N: ". Problems
// that concern the whole document, such as a YAML syntax error, are keyed
// by "". Problems turns such an error into lines for a terminal.
//
// The package performs no I/O: the caller reads the file.
package manifest
