#!/usr/bin/env bash
# Regenerates Sources/SparkplugProto/sparkplug_b.pb.swift from proto/sparkplug_b.proto (Eclipse
# Tahu's Sparkplug B specification file). Run by hand when either changes; the output is committed,
# so neither CI nor a user builds swift-protobuf's protoc plugin (minutes on two cores).
# Needs: protoc (Debian protobuf-compiler) and the swift-protobuf version Package.swift names.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's|.*swift-protobuf", from: "\(.*\)").*|\1|p' Package.swift)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q --depth 1 -b "$version" https://github.com/apple/swift-protobuf "$work/swift-protobuf"
(cd "$work/swift-protobuf" && swift build -q --product protoc-gen-swift)
protoc --plugin=protoc-gen-swift="$work/swift-protobuf/.build/debug/protoc-gen-swift" --swift_opt=Visibility=Public \
    --swift_out=Sources/SparkplugProto --proto_path=proto proto/sparkplug_b.proto
echo "Sources/SparkplugProto/sparkplug_b.pb.swift regenerated with swift-protobuf $version"
