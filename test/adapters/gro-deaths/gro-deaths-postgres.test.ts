import t from 'tap';
import { freshSchema, metadataUrl } from '../../helpers/postgres.js';
import { groDeathsFlow } from './gro-deaths-flow.js';

// Message store and demographic index in one PostgreSQL schema, as a scaled-out deployment has them.
groDeathsFlow(t, (t) => ({ metadata: metadataUrl(freshSchema(t, 'gro_deaths')) }));
