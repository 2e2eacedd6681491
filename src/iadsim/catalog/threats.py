"""Catalog schema, threats: a threat type (missile, drone, aircraft) and a noise jammer.

Which flight-profile figures a threat needs depends on its class (a ballistic missile has a
boost time, a drone a cruise height above ground); the checks here say so at the field, with
the place in the file, as in :mod:`iadsim.catalog.figures`. The field names are an interface:
the engine reads them (``entry.boost_time_s.si()``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from iadsim.catalog.figures import EntryBase, Figure, Problems, ThreatClass, raise_problems

__all__ = ["JammerEntry", "ThreatEntry"]


_CLASS_FIELDS: dict[str, tuple[str, ...]] = {
    "ballistic": ("boost_time_s",),
    "cruise": ("speed_mps", "cruise_height_agl_m"),
    "drone": ("speed_mps", "cruise_height_agl_m"),
    "aircraft": ("speed_mps", "cruise_altitude_m"),
}
_OPTIONAL_CLASS_FIELDS = ("boost_time_s", "speed_mps", "cruise_height_agl_m", "cruise_altitude_m")


class ThreatEntry(EntryBase):
    """A threat type: signature, cost, reliability, accuracy and flight profile."""

    kind: Literal["threat"] = Field(description="Entry kind: threat. [-]")
    threat_class: ThreatClass = Field(description="ballistic, cruise, drone or aircraft. [-]")
    rcs_m2: Figure = Field(description="Radar cross section seen by the defence. [m^2]")
    unit_cost_usd: Figure = Field(description="Cost of one round or aircraft. [USD]")
    reliability: Figure = Field(
        description="Probability of completing the flight absent defences. [1]"
    )
    cep_m: Figure = Field(description="Circular error probable. [m]")
    max_range_km: Figure = Field(description="Maximum range (combat radius for aircraft). [km]")
    boost_time_s: Figure | None = Field(None, description="Boost duration; ballistic only. [s]")
    speed_mps: Figure | None = Field(None, description="Cruise speed; not ballistic. [m/s]")
    cruise_height_agl_m: Figure | None = Field(
        None, description="Cruise height above ground; cruise and drone. [m]"
    )
    cruise_altitude_m: Figure | None = Field(
        None, description="Cruise altitude above mean sea level; aircraft. [m]"
    )
    warhead_kg: Figure | None = Field(None, description="Warhead (explosive) mass. [kg]")
    # issue 11: air-launched weapons
    carriers: list[ThreatClass] | None = Field(
        None,
        description="Platform classes that release it (air-launched weapons, "
        "``raids[].weapons``); none: launched from the ground. [-]",
    )
    arm_pk: Figure | None = Field(
        None,
        description="Anti-radiation missiles: probability of killing the radar it homes on when "
        "that radar still emits at arrival. [1]",
    )
    arm_memory_pk: Figure | None = Field(
        None,
        description="Anti-radiation missiles: the same once the radar went dark (the missile "
        "flies to the last position it heard). [1]",
    )
    decoy: bool = Field(
        False,
        description="A decoy (MALD class): mimics a real threat, takes tracks and interceptors, "
        "does no damage. [-]",
    )
    discrimination_p: Figure | None = Field(
        None,
        description="Decoys: probability that a radar which confirms a track on it recognises "
        "it as a decoy (scenario radars may override it). [1]",
    )
    profile: Literal["route", "glide"] = Field(
        "route",
        description="route: flies at its cruise height; glide (unpowered bombs, cruise class): "
        "descends evenly from the release altitude to the aim. [-]",
    )

    @model_validator(mode="after")
    def _class_fields(self) -> ThreatEntry:
        problems: Problems = []
        if self.decoy != (self.discrimination_p is not None):
            problems.append(
                (("discrimination_p",), "decoy", "a decoy has a discrimination_p, and only a decoy")
            )
        elif (
            self.decoy
            and self.discrimination_p is not None
            and not 0.0 <= self.discrimination_p.value <= 1.0
        ):
            problems.append((("discrimination_p", "value"), "probability", "must be in [0, 1]"))
        if (self.arm_pk is None) != (self.arm_memory_pk is None):
            problems.append((("arm_memory_pk",), "arm", "arm_pk and arm_memory_pk go together"))
        for name in ("arm_pk", "arm_memory_pk"):
            fig = getattr(self, name)
            if fig is not None and not 0.0 <= fig.value <= 1.0:
                problems.append(((name, "value"), "probability", "must be in [0, 1]"))
        if self.profile == "glide" and (self.threat_class != "cruise" or not self.carriers):
            problems.append(
                (
                    ("profile",),
                    "glide",
                    "a glide profile is for air-launched (carriers) cruise-class weapons",
                )
            )
        needed = _CLASS_FIELDS[self.threat_class]
        for name in _OPTIONAL_CLASS_FIELDS:
            present = getattr(self, name) is not None
            if name in needed and not present:
                problems.append(
                    (
                        (name,),
                        "class_field_missing",
                        f"required for threat_class '{self.threat_class}'",
                    )
                )
            elif name not in needed and present:
                users = [c for c, f in _CLASS_FIELDS.items() if name in f]
                problems.append(
                    (
                        (name,),
                        "not_applicable",
                        f"not used for threat_class '{self.threat_class}' "
                        f"(only for {', '.join(users)})",
                    )
                )
        r = self.reliability.value
        if not 0.0 < r <= 1.0:
            problems.append(
                (("reliability", "value"), "probability", f"must be in (0, 1], got {r}")
            )
        if problems:
            raise_problems("ThreatEntry", problems)
        return self


class JammerEntry(EntryBase):
    """A noise jammer (a pod or an expendable jammer's payload): what the jammer equation needs.

    ``J = Pj Gj G_r λ² / ((4π)² Rj²) · min(1, Br/Bj)`` at a radar (docs/models/electronic-warfare.md).
    """

    kind: Literal["jammer"] = Field(description="Entry kind: jammer. [-]")
    carriers: list[ThreatClass] = Field(
        min_length=1, description="Threat classes that can carry it. [-]"
    )
    power_w: Figure = Field(description="Noise power Pj delivered to the antenna. [W]")
    antenna_gain_db: Figure = Field(description="Antenna gain Gj towards the radar. [dB]")
    bandwidth_hz: Figure = Field(description="Noise bandwidth Bj the power is spread over. [Hz]")

    @model_validator(mode="after")
    def _physical(self) -> JammerEntry:
        problems: Problems = [
            ((name, "value"), "positive", "must be positive")
            for name in ("power_w", "bandwidth_hz")
            if getattr(self, name).value <= 0.0
        ]
        if problems:
            raise_problems("JammerEntry", problems)
        return self
