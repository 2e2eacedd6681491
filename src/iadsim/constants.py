"""Physical constants, each with its source."""

#: Earth's gravitational parameter GM. [m^3/s^2] IERS Conventions (2010), Table 1.1.
MU_EARTH_M3_S2 = 3.986004418e14

#: Mean Earth radius R1 = (2a + b)/3 of WGS84. [m] NIMA TR8350.2 (2000), Table 3.5.
R_EARTH_M = 6_371_008.8

#: Default effective-earth-radius factor for standard atmospheric refraction (4/3 earth).
#: Skolnik, Introduction to Radar Systems, 3rd ed. (2001), sec. 8.2.
K_FACTOR_STANDARD = 4.0 / 3.0

#: Standard gravity. [m/s^2] CGPM 1901.
G0_MPS2 = 9.80665
