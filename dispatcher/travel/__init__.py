"""Travel-time providers behind one interface; the default is geodesic distance over a speed."""

from dispatcher.travel.providers import GeodesicTravelTimes, MatrixTravelTimes, TravelTimes

__all__ = ["GeodesicTravelTimes", "MatrixTravelTimes", "TravelTimes"]
