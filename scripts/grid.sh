# grid.sh - sourced by resolution.sh and dates.sh: run_grid DAYS runs the scenario ($scenario; the
# default if empty) for DAYS days on seeds 1..$seeds at each people-per-agent in ${ppas[@]}, with
# the values in ${setargs[@]}, two at a time, into $tmp/PPA.SEED, with $unrest.
run_grid() {
    local days=$1 p s
    for p in "${ppas[@]}"; do
        for s in $(seq 1 "$seeds"); do echo "$p $s"; done
    done | while read -r p s; do
        echo "$unrest run $scenario --days $days --quiet --seed $s --set scale.people_per_agent=$p" \
            "${setargs[*]} --out $tmp/$p.$s"
    done | xargs -P 2 -I{} sh -c '{}'
}
