/**
 * The derived values, computed from the inputs as the server's built-ins do
 * (`app/rules/derived.py`): the same float operations in the same order, so the numbers are
 * bit for bit the server's. Which built-ins there are is the plan's `derived.fields`; their
 * constants are the plan's `derived.constants`.
 */
import { exp } from "./exp.js";
import { pyMax, pyMin } from "./pyfloat.js";
/** The built-ins this package knows; a plan naming another is refused. */
export const BUILTINS = new Set([
    "duration_h",
    "heat_index_c",
    "hr_pct_max",
    "estimated_sweat_loss_ml",
    "estimated_fluid_deficit_ml",
    "estimated_fluid_surplus_ml",
    "fluid_ml_per_hour",
    "carbs_total_g",
    "total_reps",
    "training_load_spike",
    "glucose_lowering_medication",
    "hot_exertion_without_illness",
    "is_endurance",
    "is_resistance",
]);
const STRENGTH_TRAINING = "strength_training";
function num(value) {
    return value === undefined || value === null ? undefined : value;
}
/** Steadman's apparent temperature without wind. */
export function apparentTemperatureC(temperatureC, humidityPct) {
    const vapourPressureHpa = (humidityPct / 100) * 6.105 * exp((17.27 * temperatureC) / (237.7 + temperatureC));
    return temperatureC + 0.33 * vapourPressureHpa - 4.0;
}
function sweatRateMlPerHour(constants, intensityRpe, apparentC, activity) {
    const heatFactor = pyMin(pyMax(0.6 + 0.04 * (apparentC - 10.0), 0.6), 2.0);
    const factor = constants.sweat_factor[activity];
    return (200.0 + 100.0 * intensityRpe) * heatFactor * (factor === undefined ? 1.0 : factor);
}
/** Add the `derived.*` values to `flat`, which holds the input values. */
export function addDerived(plan, flat) {
    const k = plan.derived.constants;
    const activity = flat["activity.type"];
    const hours = pyMax(flat["activity.duration_min"] / 60.0, 1 / 3600);
    flat["derived.duration_h"] = hours;
    flat["derived.is_endurance"] = k.endurance_types.includes(activity);
    const sets = num(flat["activity.sets"]);
    flat["derived.is_resistance"] = activity === STRENGTH_TRAINING || Boolean(sets);
    const temperature = num(flat["environment.temperature_c"]);
    let apparent;
    if (temperature !== undefined) {
        const humidity = num(flat["environment.humidity_pct"]);
        apparent = apparentTemperatureC(temperature, humidity === undefined ? k.assumed_humidity_pct : humidity);
        flat["derived.heat_index_c"] = apparent;
    }
    const hrPct = heartRatePctMax(flat);
    if (hrPct !== undefined)
        flat["derived.hr_pct_max"] = hrPct;
    let intensity = num(flat["activity.intensity_rpe"]);
    if (intensity === undefined) {
        intensity =
            hrPct !== undefined
                ? pyMin(pyMax((hrPct - 50.0) / 5.0, 0.0), 10.0)
                : k.typical_rpe[activity];
    }
    const sweat = hours *
        sweatRateMlPerHour(k, intensity, apparent === undefined ? k.assumed_apparent_temperature_c : apparent, activity);
    flat["derived.estimated_sweat_loss_ml"] = sweat;
    if (apparent !== undefined) {
        flat["derived.hot_exertion_without_illness"] =
            apparent >= k.hot_apparent_temperature_c &&
                intensity >= k.hot_session_min_rpe &&
                !illnessReported(k, flat);
    }
    const fluid = num(flat["hydration.fluid_intake_ml"]);
    if (fluid !== undefined) {
        flat["derived.estimated_fluid_deficit_ml"] = pyMax(sweat - fluid, 0.0);
        flat["derived.estimated_fluid_surplus_ml"] = pyMax(fluid - sweat, 0.0);
        flat["derived.fluid_ml_per_hour"] = fluid / hours;
    }
    const preCarbs = num(flat["nutrition.pre_workout_carbs_g"]);
    const carbsPerHour = num(flat["nutrition.carbs_g_per_hour"]);
    if (preCarbs !== undefined || carbsPerHour !== undefined) {
        // Python's `(x or 0.0)`: a zero reads as 0.0 (the same number)
        flat["derived.carbs_total_g"] = (preCarbs || 0.0) + (carbsPerHour || 0.0) * hours;
    }
    const reps = num(flat["activity.reps_per_set"]);
    if (sets !== undefined && reps !== undefined)
        flat["derived.total_reps"] = sets * reps;
    const spike = trainingLoadSpike(k, flat);
    if (spike !== undefined)
        flat["derived.training_load_spike"] = spike;
    const lowering = glucoseLowering(k, flat);
    if (lowering !== undefined)
        flat["derived.glucose_lowering_medication"] = lowering;
}
function illnessReported(k, flat) {
    const days = num(flat["health.recent_illness_days"]);
    if (days !== undefined && days <= k.recent_illness_days)
        return true;
    const associated = flat["symptoms.associated"];
    return associated != null && associated.includes("fever");
}
function glucoseLowering(k, flat) {
    const medications = flat["health.medications"];
    if (medications != null && medications.length > 0) {
        for (const kind of k.glucose_lowering_classes) {
            if (medications.includes(kind))
                return true;
        }
    }
    const said = flat["health.glucose_lowering_medication"];
    return said == null ? undefined : said;
}
function heartRatePctMax(flat) {
    const average = num(flat["activity.avg_heart_rate_bpm"]);
    if (average === undefined)
        return undefined;
    let maximum = num(flat["activity.max_heart_rate_bpm"]);
    if (maximum === undefined) {
        const age = num(flat["athlete.age_years"]);
        if (age === undefined)
            return undefined;
        maximum = 208.0 - 0.7 * age;
    }
    return (100.0 * average) / maximum;
}
function trainingLoadSpike(k, flat) {
    const change = num(flat["training.load_change_pct"]);
    const weeksOff = num(flat["training.returning_after_weeks_off"]);
    const injury = flat["training.returning_from_injury"];
    if (change === undefined && weeksOff === undefined && injury == null)
        return undefined;
    return ((change !== undefined && change >= k.load_spike_pct) ||
        (weeksOff !== undefined && weeksOff >= k.weeks_off_for_detraining) ||
        injury === true);
}
/** Refuse a plan whose derived values this package cannot compute. */
export function checkBuiltins(plan) {
    for (const field of plan.derived.fields) {
        if (!BUILTINS.has(field.builtin)) {
            throw new Error(`the plan derives ${field.path} with an unknown built-in ${field.builtin}`);
        }
    }
}
