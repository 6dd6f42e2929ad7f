# grid.sh - sourced by resolution.sh and dates.sh: run_grid DAYS runs the scenario ($scenario; the
# default if empty) for DAYS days on seeds 1..$seeds at each people-per-agent in ${ppas[@]}, with
# the values in ${setargs[@]}, two at a time, into $tmp/PPA.SEED, with $unrest. With $posterior
# (POSTERIOR=DB in the environment: a calibration database), seed s also sets the values of the
# posterior's particle floor((s - 1) n / seeds) of its n, spread over them all (rejection ABC
# stores them nearest first), the same particle at every resolution: the posterior predictive,
# resolution against resolution.
run_grid() {
    local days=$1 p s
    local -a theta=()
    if [ -n "${posterior:-}" ]; then
        mapfile -t theta < <(sqlite3 "$posterior" "SELECT theta FROM cal_posterior WHERE
            calibration_id = (SELECT max(calibration_id) FROM cal_posterior) ORDER BY idx")
        [ ${#theta[@]} -gt 0 ] || { echo "grid: $posterior holds no posterior" >&2; return 2; }
    fi
    for p in "${ppas[@]}"; do
        for s in $(seq 1 "$seeds"); do echo "$p $s"; done
    done | while read -r p s; do
        local draw=""
        if [ ${#theta[@]} -gt 0 ]; then
            draw=$(echo "${theta[$(((s - 1) * ${#theta[@]} / seeds))]}" | tr ';' '\n' |
                sed '/^$/d;s/^/--set /' |
                tr '\n' ' ')
        fi
        echo "$unrest run $scenario --days $days --quiet --seed $s --set scale.people_per_agent=$p" \
            "${setargs[*]} $draw --out $tmp/$p.$s"
    done | xargs -P 2 -I{} sh -c '{}'
}
