#!/usr/bin/env bash
# Makes the schema fixture of a release: the data of `fleetcharge demo`'s
# database as that release made it, as SQL both engines read, in
# store/testdata/schema/NNNN.sql.gz (NNNN the release's schema version). The
# migration test (store: TestSchemaFixturesMigrate) loads every fixture at
# its schema version and migrates it to the newest.
#
#   scripts/schema-fixture.sh a783f6f    # the release with schema 0004
#
# Run it once per release, before the release's first new migration lands,
# and check the file in.
set -euo pipefail
cd "$(dirname "$0")/.."
commit=${1:?usage: scripts/schema-fixture.sh COMMIT}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir "$work/src"
git archive "$commit" | tar -x -C "$work/src"
version=$(ls "$work/src/store/migrations" | sort | tail -n 1 | cut -d_ -f1)
(cd "$work/src" && go run ./cmd/fleetcharge demo --db "$work/demo.db" >/dev/null)
mkdir -p store/testdata/schema
go run ./scripts/fixturedump "$work/demo.db" | gzip -n -9 > "store/testdata/schema/$version.sql.gz"
echo "store/testdata/schema/$version.sql.gz: schema $version of $commit, $(zcat "store/testdata/schema/$version.sql.gz" | grep -c "^INSERT") rows"
