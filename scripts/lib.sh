# lib.sh - shared by scripts/quickstart and scripts/test.

# Debian 12 packages needed to build, test and run tlvsign.
DEB_PACKAGES="build-essential autoconf automake libtool pkg-config openssl \
libssl-dev libp11-dev libp11-kit-dev softhsm2 libtasn1-6-dev libtasn1-bin \
libsqlite3-dev sqlite3 libjansson-dev libcunit1-dev libevent-dev curl"

say() {
	printf '==> %s\n' "$*"
}

# Install whatever of DEB_PACKAGES is missing (with sudo when not root).
install_packages() {
	missing=
	for p in $DEB_PACKAGES "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'ok installed' || missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	say "installing Debian packages:$missing"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	    $missing >/dev/null
}

# Configure the source tree (in place) with the given options unless it
# is configured with exactly those already, then build.
build_tree() {
	top=$1
	shift
	want="$*"
	cd "$top"
	if [ ! -x configure ]; then
		say "autoreconf"
		autoreconf -fi >autoreconf.log 2>&1 ||
		    { cat autoreconf.log; return 1; }
	fi
	have=$(cat .tlvsign-configured 2>/dev/null || echo none)
	if [ ! -f Makefile ] || [ "$have" != "$want" ]; then
		say "configuring ${want:-(defaults)}"
		# shellcheck disable=SC2086
		./configure -q $want
		echo "$want" >.tlvsign-configured
		make -s clean >/dev/null 2>&1 || true
	fi
	say "building"
	make -s -j"$(nproc)" >/dev/null
}
