/**
 * The vocabulary plan: the server's parsing data of a workout context, as
 * `app.workout.plan_data.vocabulary_plan()` publishes it (a plan carries it under
 * `vocabulary`). Only what the reader uses is typed here.
 */
/** The vocabulary plan format this reader understands. */
export const VOCABULARY_VERSION = 1;
