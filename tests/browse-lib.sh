# browse-lib.sh - a real headless Chromium for the tests of tlsrpt-report's
# page
#
# Sourced after tests/lib.sh.  Headless Chromium lays a window out 500
# pixels wide at least, so a phone's width is tested in a frame of that
# width: the page of the test's own (made here, with the one script of
# the test) holds the page under test in an iframe, and says how wide and
# high its content is laid out.

chromium=$(command -v chromium || command -v chromium-browser)
if [ -z "$chromium" ]; then
	echo "1..0 # SKIP chromium not installed (apt-get install chromium)"
	exit 0
fi

# browse ARGS... - headless Chromium with a profile of its own, no network
browse() {
	timeout 120 "$chromium" --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update \
		--disable-sync --no-first-run --hide-scrollbars \
		--user-data-dir="$(mktemp -d "$ti_tmp/chromium.XXXXXX")" "$@"
}

# framed PAGE WIDTH HEIGHT - a page showing PAGE in a frame WIDTH by HEIGHT
# pixels that, once loaded, writes into its body's data-size the framed
# page's width, the frame's, and the framed page's height: "W/F H"
framed() {
	printf '<!DOCTYPE html><html><head><style>body{margin:0}iframe{border:0;display:block}</style></head><body>\n'
	printf '<iframe id="f" width="%s" height="%s" srcdoc="' "$2" "$3"
	sed -e 's/&/\&amp;/g' -e 's/"/\&quot;/g' "$1"
	printf '"></iframe>\n<script>window.addEventListener("load", function () {\n'
	printf 'var d = document.getElementById("f").contentDocument.documentElement;\n'
	printf 'document.body.setAttribute("data-size", d.scrollWidth + "/" + d.clientWidth + " " + d.scrollHeight);\n'
	printf '});</script>\n</body></html>\n'
}

# page_width WIDTH PAGE - lay PAGE out WIDTH pixels wide: sets width to
# "W/F" (its content's width, the frame's) and height to its height
page_width() {
	framed "$2" "$1" 1000 >"$ti_tmp/framed.html"
	size=$(browse --window-size="$(($1 < 500 ? 500 : $1)),1000" --dump-dom \
		"file://$ti_tmp/framed.html" 2>/dev/null | sed -n 's/.*data-size="\([^"]*\)".*/\1/p')
	width=${size% *}
	height=${size#* }
}

# screenshot WIDTH PAGE PNG - a screenshot of PAGE, whole, laid out WIDTH
# pixels wide; the window's first WIDTH pixels are the frame
screenshot() {
	rm -f "$3"
	page_width "$1" "$2"
	framed "$2" "$1" "${height:-1000}" >"$ti_tmp/shot.html"
	browse --window-size="$1,${height:-1000}" --screenshot="$3" \
		"file://$ti_tmp/shot.html" >/dev/null 2>&1
}

# png FILE - "PNG WIDTH" for a PNG file, its width from its header
png() {
	[ "$(head -c 8 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ] ||
		{ echo "not a PNG"; return; }
	od -An -tu1 -j16 -N4 "$1" | awk '{ print "PNG", (($1 * 256 + $2) * 256 + $3) * 256 + $4 }'
}
