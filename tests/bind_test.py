#!/usr/bin/env python3
"""bind_test.py - drive libunrest.so from Python through ctypes alone, as a binding would:
the scenario as an opaque handle (create, load the built-in scenario, set and get by path,
iterate every path, hash), then a world built from it, stepped for a day. Exits 1 on any
mismatch. Usage: bind_test.py path/to/libunrest.so"""
import ctypes as C
import sys

lib = C.CDLL(sys.argv[1])
P = C.c_void_p
lib.unrest_scenario_create.argtypes = [C.POINTER(P)]
lib.unrest_scenario_destroy.argtypes = [P]
lib.unrest_scenario_builtin.argtypes = [C.POINTER(C.c_size_t)]
lib.unrest_scenario_builtin.restype = C.c_char_p
lib.unrest_scenario_load_string.argtypes = [P, C.c_char_p, C.c_size_t, C.c_char_p, C.c_char_p,
                                            C.c_size_t]
lib.unrest_scenario_set.argtypes = [P, C.c_char_p, C.c_char_p, C.c_size_t]
lib.unrest_scenario_get.argtypes = [P, C.c_char_p, C.c_char_p, C.c_size_t, C.c_char_p,
                                    C.c_size_t]
lib.unrest_scenario_get_number.argtypes = [P, C.c_char_p, C.POINTER(C.c_double), C.c_char_p,
                                           C.c_size_t]
lib.unrest_scenario_path.argtypes = [P, C.c_size_t, C.c_char_p, C.c_size_t]
lib.unrest_scenario_path.restype = P
lib.unrest_scenario_hash.argtypes = [P]
lib.unrest_scenario_hash.restype = C.c_uint64
lib.unrest_scenario_site_count.argtypes = [P]
lib.unrest_scenario_site_count.restype = C.c_size_t
lib.unrest_scenario_site_name.argtypes = [P, C.c_size_t]
lib.unrest_scenario_site_name.restype = C.c_char_p
lib.unrest_world_create.argtypes = [C.POINTER(P), P, C.c_uint64, C.c_char_p, C.c_size_t]
lib.unrest_world_step.argtypes = [P]
lib.unrest_world_tick.argtypes = [P]
lib.unrest_world_tick.restype = C.c_int64
lib.unrest_world_destroy.argtypes = [P]

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("bind: FAIL", what)


err = C.create_string_buffer(1024)
buf = C.create_string_buffer(256)
sc = P()
check(lib.unrest_scenario_create(C.byref(sc)) == 0 and sc.value, "create a scenario handle")
n = C.c_size_t()
text = lib.unrest_scenario_builtin(C.byref(n))
check(lib.unrest_scenario_load_string(sc, text, n.value, b"builtin", err, 1024) == 0,
      "load the built-in scenario: " + err.value.decode())
check(lib.unrest_scenario_site_count(sc) == 19, "19 sites")
check(lib.unrest_scenario_site_name(sc, 5) == b"Almaty", "site 5 is Almaty")
h0 = lib.unrest_scenario_hash(sc)
check(lib.unrest_scenario_set(sc, b"legitimacy.initial=0.9", err, 1024) == 0, "set by path")
v = C.c_double()
check(lib.unrest_scenario_get_number(sc, b"legitimacy.initial", C.byref(v), err, 1024) == 0
      and v.value == 0.9, "get a number by path")
check(lib.unrest_scenario_hash(sc) != h0, "the hash follows the value")
check(lib.unrest_scenario_get(sc, b"sites.Almaty.population", buf, 256, err, 1024) == 0
      and buf.value == b"2030285", "get a site value as text")
check(lib.unrest_scenario_set(sc, b"nonsense.key=1", err, 1024) != 0
      and b"nonsense.key" in err.value, "a bad path is refused, naming it")
paths = 0
while lib.unrest_scenario_path(sc, paths, buf, 256):
    paths += 1
check(paths > 250, "every concrete path iterates (%d)" % paths)
check(lib.unrest_scenario_set(sc, b"scale.people_per_agent=1000", err, 1024) == 0, "coarse scale")
w = P()
check(lib.unrest_world_create(C.byref(w), sc, 1, err, 1024) == 0,
      "build a world: " + err.value.decode())
for _ in range(24):
    check(lib.unrest_world_step(w) == 0, "step")
check(lib.unrest_world_tick(w) == 24, "a day of ticks")
lib.unrest_world_destroy(w)
lib.unrest_scenario_destroy(sc)
lib.unrest_scenario_destroy(None)
print("bind: %d passed, %d failed" % (13 + 24 - len(failures), len(failures)))
sys.exit(1 if failures else 0)
