#!/bin/sh
# Adds frigate-media's two includes to a copy of Frigate's nginx.conf (Frigate 0.14+).
#
#   docker exec frigate cat /usr/local/nginx/conf/nginx.conf \
#     | sh patch-nginx-conf.sh > nginx.conf
#
# Reads Frigate's nginx.conf on stdin, writes it on stdout with
#   include frigate-media/http.conf;    after   include go2rtc_upstream.conf;   (http level)
#   include frigate-media/server.conf;  after   include auth_location.conf;     (server level)
# A file that already has them comes out unchanged. Exits 1, writing nothing, when an anchor
# line is missing or appears more than once (a Frigate whose nginx.conf changed shape).
set -eu

input=$(cat)
printf '%s\n' "$input" | awk '
    /^[ \t]*include[ \t]+frigate-media\/(http|server)\.conf;/ { patched = 1 }
    /^[ \t]*include[ \t]+go2rtc_upstream\.conf;/ { http++ }
    /^[ \t]*include[ \t]+auth_location\.conf;/ { server++ }
    END {
        if (http != 1 || server != 1) {
            printf "patch-nginx-conf.sh: expected one \"include go2rtc_upstream.conf;\" and one \"include auth_location.conf;\" line, found %d and %d\n", http, server > "/dev/stderr"
            exit 1
        }
        exit patched ? 3 : 0
    }
' && status=0 || status=$?

case $status in
    3) printf '%s\n' "$input" ;;
    0) printf '%s\n' "$input" | awk '
           { print }
           /^[ \t]*include[ \t]+go2rtc_upstream\.conf;/ {
               match($0, /^[ \t]*/); print substr($0, 1, RLENGTH) "include frigate-media/http.conf;"
           }
           /^[ \t]*include[ \t]+auth_location\.conf;/ {
               match($0, /^[ \t]*/); print substr($0, 1, RLENGTH) "include frigate-media/server.conf;"
           }
       ' ;;
    *) exit 1 ;;
esac
