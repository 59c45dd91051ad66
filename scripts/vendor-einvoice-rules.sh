#!/usr/bin/env bash
# Vendors the official e-invoice validation rules, unchanged, into
# third_party/einvoice-rules/: the EN 16931 UBL schematron of CEN/TC 434
# (compiled to XSLT), the Peppol BIS Billing 3.0 schematron and its XSLT
# compiled with the ISO Schematron skeleton, and that skeleton. The tests of
# package einvoice run both XSLTs with Saxon HE over every kind of invoice
# fleetcharge writes (docs/EINVOICE.md).
#
# The files come from a folder holding them as published (default: the
# project's shared copy, /work/shared/third_party/einvoice-rules); the
# script checks each file's sha256 against the pinned one below, so that a
# different release cannot slip in unnoticed, copies them byte for byte and
# writes the README with their origin, licence and checksums.
#
# Usage: scripts/vendor-einvoice-rules.sh [source-folder]
set -euo pipefail

src=${1:-/work/shared/third_party/einvoice-rules}
root=$(cd "$(dirname "$0")/.." && pwd)
dest=$root/third_party/einvoice-rules

# file  sha256
pinned="
EN16931-UBL-validation.xslt 39f9d282867f1a49e7708d9e29a53da89643e1ee56f10cec1ebcf1277595fcbd
PEPPOL-EN16931-UBL.sch 2840f5158f7bbdbf3b3f5d2ea391b9ac9e649e1fdbba8502bd8c15ec52924f23
PEPPOL-EN16931-UBL.xslt e35057f3a7e6a10b1e78fa9d422aadeef65ff8010fc2b1fc3129ee9e077affb1
iso_abstract_expand.xsl c5267f124abf23eeb6669884e40a98607c055bfaa1f39e73b7d578feceeb6e46
iso_dsdl_include.xsl 43ff20a1afd89d8a744d1c0b8df94ac5559ffa6a820d1ffbf508d6431ee4fdd9
iso_schematron_skeleton_for_saxon.xsl 95f3195d9f437ea8ff5f75d1a27f4e68ae20b236fe0d4a217bb4209f498a10a3
iso_svrl_for_xslt2.xsl 0588d617924a0686255f6d182633d434c7986d561be8fcc3b363907d3f671b26
"

mkdir -p "$dest"
sums=""
while read -r file want; do
	[ -n "$file" ] || continue
	if [ ! -f "$src/$file" ]; then
		echo "vendor-einvoice-rules: $src/$file is missing" >&2
		exit 1
	fi
	got=$(sha256sum "$src/$file" | cut -d' ' -f1)
	if [ "$got" != "$want" ]; then
		echo "vendor-einvoice-rules: $file has sha256 $got, want $want" >&2
		exit 1
	fi
	cp "$src/$file" "$dest/$file"
	chmod 644 "$dest/$file"
	sums="$sums| \`$file\` | \`$got\` |
"
done <<<"$pinned"

cat >"$dest/README.md" <<MD
# The official e-invoice rules: EN 16931 and Peppol BIS Billing 3.0

The validation artefacts that decide whether a UBL invoice or credit note conforms to the
European standard EN 16931 and to Peppol BIS Billing 3.0, kept exactly as published (not
edited). The tests of package \`einvoice\` (\`einvoice/validate_test.go\`) run both XSLTs with
Saxon HE (Debian: \`apt-get install libsaxonhe-java\`) over a document of every kind
fleetcharge writes and fail on any \`svrl:failed-assert\` with \`flag="fatal"\`.

| file | origin | licence |
|---|---|---|
| \`EN16931-UBL-validation.xslt\` | CEN/TC 434 validation artefacts 1.3.16, https://github.com/ConnectingEurope/eInvoicing-EN16931, \`ubl/xslt/\` (the EN 16931 schematron for UBL, compiled to XSLT 2 by its publisher) | European Union Public Licence (EUPL) 1.2 |
| \`PEPPOL-EN16931-UBL.sch\` | OpenPEPPOL, https://github.com/OpenPEPPOL/peppol-bis-invoice-3, \`rules/sch/\` (2025 May release, 3.0.19) | OpenPEPPOL's public specification, free to use and redistribute; its header reproduces EN 16931 business terms with CEN's permission |
| \`PEPPOL-EN16931-UBL.xslt\` | the line above compiled with the ISO Schematron skeleton below (\`iso_dsdl_include.xsl\`, then \`iso_abstract_expand.xsl\`, then \`iso_svrl_for_xslt2.xsl\`) by Saxon HE 9.9 | as its source |
| \`iso_*.xsl\` | the ISO Schematron skeleton, https://github.com/Schematron/schematron, \`trunk/schematron/code/\` | MIT |

Checksums (sha256) of the vendored files, which \`scripts/vendor-einvoice-rules.sh\` checks
before copying:

| file | sha256 |
|---|---|
$sums
Run by hand:

    java -cp /usr/share/java/Saxon-HE.jar net.sf.saxon.Transform -s:invoice.xml -xsl:EN16931-UBL-validation.xslt -o:en.svrl
    java -cp /usr/share/java/Saxon-HE.jar net.sf.saxon.Transform -s:invoice.xml -xsl:PEPPOL-EN16931-UBL.xslt -o:peppol.svrl

A document is valid when neither report holds a \`svrl:failed-assert\` with \`flag="fatal"\`.

Regenerate: \`scripts/vendor-einvoice-rules.sh [folder with the published files]\`; a new
release means new pinned checksums in the script.
MD
echo "vendored $(printf '%s' "$pinned" | grep -c .) files into $dest"
